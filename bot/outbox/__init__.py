"""Everything Orienta sends leaves through the outbox.

    writer.py      the one writer: every outbound message is created here
    policy.py      who may be written to, and on which channel: the one place that decides
    dispatcher.py  claims due rows, sends them through each channel's sender, records
    claims.py      the dispatcher's database work
    pacing.py      how fast one process sends on one channel
    delivery.py    delivery states: retries with backoff, failures, status reports

See docs/channels.md (the outbox and the dispatcher) for the states and crash safety.
"""
