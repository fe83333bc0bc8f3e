"""The admin: where NGO staff, coordinators and partners run Orienta's day-to-day in a
browser (sign-in, roles, the audit log, partners, services, slots, bookings, people).

Mounted at /admin by the composition root, bot/web.py; nothing else in bot/ imports it.
Server-rendered pages (Starlette + Jinja2) for a small screen and a slow connection,
usable without JavaScript, in French (English as a translation).
"""
