"""Partners' services, and booking people into them.

desk.py        what the engine does at the booking steps: proposals, slots, RDV, follow-up
texts.py       what the desk says (confirmations, RDV, the follow-up)
matching.py    which services fit a person (a plain function of plain values)
geography.py   how far a service is from a person, how its place is said, lead times
offer_lines.py how an offer reads: the service, partner, cost, why it fits and where
offers.py      a person's profile, the services and stories on offer, their texts
places.py      places in slots and requests, without overbooking
notices.py     what partners are told (bookings, the daily list)
referrals.py   partners' referral codes: links, QR codes, arrival counts
demo.py        fictitious demo partners (`orienta seed-demo`; demo_data.py, demo_stories.py)
"""
