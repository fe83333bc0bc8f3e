"""The partner pages over real HTTP, on SQLite and PostgreSQL: staff create, edit and
close partners (each change one audit row, with only what changed), a name is shown as
text, wrong fields are refused with the form kept, a closed partner's services are
offered to nobody, and a partner account sees its own partner and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from html import unescape

from sqlalchemy import select

from bot.app import Orienta
from bot.booking.places import free_slots
from bot.storage.models import AuditEntry, Partner
from tests.admin.support import AdminClient, make_partner
from tests.booking.test_booking import add_service

SignedIn = Callable[..., AdminClient]
NEW = "/admin/partners/new"
FIELDS = {
    "code": "gbk1",
    "name": "Groupement des femmes de Boké",
    "kind": "ngo",
    "focal_point": "Mariama (coordinatrice)",
    "focal_channel": "sms",
    "focal_address": "620 00 00 90",  # fictitious
    "public_phone": "+224 000 00 00 91",
    "languages": ["fr", "sus"],
}


def partner(orienta: Orienta, code: str) -> Partner:
    with orienta.sessions() as session:
        found = session.scalars(select(Partner).where(Partner.code == code)).one()
        session.expunge(found)
        return found


def audit_rows(orienta: Orienta, action: str) -> list[AuditEntry]:
    with orienta.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def test_staff_create_a_partner_and_find_it_in_the_list(
    orienta: Orienta, signed_in: SignedIn
) -> None:
    staff = signed_in("staff")
    form = staff.get(NEW)
    assert form.status_code == 200
    for name in ("code", "name", "kind", "focal_point", "focal_channel", "focal_address"):
        assert f'name="{name}"' in form.text
    assert "Centre de formation" in form.text and "Enregistrer" in form.text
    assert form.text.count('name="languages"') == 5

    created = staff.post(NEW, FIELDS, form_page=NEW)
    assert created.status_code == 303
    saved = partner(orienta, "GBK1")  # codes are written in capitals
    assert created.headers["location"] == f"/admin/partners/{saved.id}?notice=saved"
    assert saved.focal_address == "+224620000090"  # one form, as the outbox sends it
    assert saved.public_phone == "+224 000 00 00 91"  # as people will be given it
    assert saved.languages == ["fr", "sus"] and saved.active

    listing = staff.get("/admin/partners")
    assert "Groupement des femmes de Boké" in listing.text and "GBK1" in listing.text
    detail = staff.get(f"/admin/partners/{saved.id}")
    assert "Enregistré." in staff.get(created.headers["location"]).text
    assert "Mariama (coordinatrice)" in detail.text and "Soussou" in detail.text
    (row,) = audit_rows(orienta, "partner.create")
    assert row.target == "GBK1" and row.after is not None
    assert row.after["name"] == FIELDS["name"] and row.after["languages"] == ["fr", "sus"]


def test_a_script_in_a_partner_name_is_shown_as_text(orienta: Orienta, signed_in: SignedIn) -> None:
    staff = signed_in("staff")
    name = '<script>alert("x")</script> & Co'
    assert staff.post(NEW, {**FIELDS, "name": name}, form_page=NEW).status_code == 303
    for path in ("/admin/partners", f"/admin/partners/{partner(orienta, 'GBK1').id}"):
        page = staff.get(path).text
        assert "<script>" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page


def test_wrong_fields_are_refused_and_the_form_kept(orienta: Orienta, signed_in: SignedIn) -> None:
    make_partner(orienta, "CRG")
    staff = signed_in("staff")
    taken = staff.post(NEW, {**FIELDS, "code": "crg"}, form_page=NEW)
    assert taken.status_code == 400
    assert "déjà celui d'un autre partenaire" in unescape(taken.text)
    assert "Groupement des femmes de Boké" in taken.text  # what was typed is kept
    no_phone = staff.post(NEW, {**FIELDS, "focal_address": "Mariama"}, form_page=NEW)
    assert no_phone.status_code == 400 and "numéro de téléphone du point focal" in no_phone.text
    bad_code = staff.post(NEW, {**FIELDS, "code": "é!"}, form_page=NEW)
    assert bad_code.status_code == 400
    no_name = staff.post(NEW, {**FIELDS, "name": ""}, form_page=NEW)
    assert no_name.status_code == 400
    with orienta.sessions() as session:
        assert session.scalars(select(Partner.code)).all() == ["CRG"]
    assert audit_rows(orienta, "partner.create") == []


def test_an_edit_logs_only_what_changed(orienta: Orienta, signed_in: SignedIn) -> None:
    staff = signed_in("staff")
    staff.post(NEW, FIELDS, form_page=NEW)
    edit = f"/admin/partners/{partner(orienta, 'GBK1').id}/edit"
    form = staff.get(edit)
    assert 'value="Groupement des femmes de Boké"' in form.text
    changed = {**FIELDS, "name": "Groupement de Boké", "languages": ["fr", "sus", "ff"]}
    assert staff.post(edit, changed, form_page=edit).status_code == 303
    assert staff.post(edit, changed, form_page=edit).status_code == 303  # nothing new
    (row,) = audit_rows(orienta, "partner.edit")
    assert row.before == {"name": "Groupement des femmes de Boké", "languages": ["fr", "sus"]}
    assert row.after == {"name": "Groupement de Boké", "languages": ["fr", "ff", "sus"]}
    assert partner(orienta, "GBK1").name == "Groupement de Boké"


def test_a_closed_partner_is_offered_to_nobody(orienta: Orienta, signed_in: SignedIn) -> None:
    service_id, _slots = add_service(orienta, capacity=5)
    now = orienta.engine.clock()
    with orienta.sessions() as session:
        assert len(free_slots(session, service_id, now)) == 2
    staff = signed_in("staff")
    page = f"/admin/partners/{partner(orienta, 'TBOF1').id}"
    closed = staff.post(page + "/close", form_page=page)
    assert closed.status_code == 303
    assert "Fermé." in staff.get(closed.headers["location"]).text
    assert not partner(orienta, "TBOF1").active
    with orienta.sessions() as session:
        assert free_slots(session, service_id, now) == []
    (row,) = audit_rows(orienta, "partner.close")
    assert row.target == "TBOF1" and row.after == {"active": False}


def test_a_partner_account_sees_its_own_partner_only(orienta: Orienta, signed_in: SignedIn) -> None:
    other = make_partner(orienta, "OTHER", "Autre partenaire (test)")
    crg = signed_in("partner", partner_code="CRG")
    own = partner(orienta, "CRG").id
    assert crg.get(f"/admin/partners/{own}").status_code == 200
    assert "Modifier" not in crg.get(f"/admin/partners/{own}").text
    refused = crg.get(f"/admin/partners/{other}")
    assert refused.status_code == 403 and "Autre partenaire" not in refused.text
    for path in ("/admin/partners", NEW, f"/admin/partners/{own}/edit"):
        assert crg.get(path).status_code == 403
    home = f"/admin/partners/{own}"
    assert crg.post(f"/admin/partners/{other}/close", form_page=home).status_code == 403
    assert crg.post(f"/admin/partners/{own}/close", form_page=home).status_code == 403
    assert partner(orienta, "OTHER").active and partner(orienta, "CRG").active
    assert signed_in("staff").get("/admin/partners/999999").status_code == 404
