"""What must happen later, and the background process that makes it happen.

hours.py    quiet hours: no message Orienta starts at night
due.py      rows with a due time: reminders before a slot, the follow-up after it
jobs.py     the scheduler's work: due rows into outbox rows, nudges, partners' lists
worker.py   `orienta worker`: the outbox dispatcher and the scheduler together
"""
