"""Partners' services, and booking people into them.

desk.py       what the engine does at the booking steps: proposals, slots, RDV, follow-up
matching.py   which services fit a person (a plain function of plain values)
offers.py     a person's profile, the services and stories on offer, their texts
places.py     places in slots and requests, without overbooking
notices.py    what partners are told (bookings, the daily list)
referrals.py  partners' referral codes: links, QR codes, arrival counts
demo.py       fictitious demo partners (`orienta seed-demo`)
"""
