"""Sample texts shared by the tests of more than one module (chunking, the text layer,
the offline summarizer), written once so the tests exercise the same input."""

GMAIL = """Hi Sarah,

Thanks for the call today. We reviewed the proposal with our CFO and 250 seats work.
Could you send the updated order form by Friday?

Best regards,
Tom Becker
VP Operations, Globex Inc.
+1 555 010 2020

On Mon, Jan 6, 2025 at 10:14 AM Sarah Kim <sarah.kim@acme.com> wrote:
> Hi Tom,
> Attached is the proposal. Pricing is valid until March.
"""


OUTLOOK = """Hello team,
Please find the renewal quote attached. Let me know if anything is unclear.

Thanks,
Ana

-----Original Message-----
From: Bo Li <bo@globex.com>
Sent: Monday, January 6, 2025 9:00 AM
To: Ana Lopez <ana@acme.com>
Subject: Renewal

Can you send the quote?
"""


OUTLOOK_HEADER_BLOCK = """Confirmed for Tuesday at 10.\r
\r
________________________________\r
From: Bo Li <bo@globex.com>\r
Sent: Monday, January 6, 2025 9:00 AM\r
To: Ana Lopez\r
Subject: RE: meeting\r
\r
Does Tuesday work?\r
"""


INTERLEAVED = """See my answers inline.

> What is the price per seat?
It is 40 USD per month.
> When can you start?
Next Monday works.

--
Ana Lopez | Account Executive | Acme
"""


NOTES = """\
Call notes - Initech renewal, Oct 3
Attendees: Sam Ortiz, Bill Lumbergh, Dana Reyes

- Initech wants to renew at 250 seats but asked for a 10% discount.
- Legal can't accept the auto-renewal clause; their counsel wants Delaware law.
- They mentioned switching to Pipedrive if pricing doesn't move.
- Budget is tight this quarter; CFO approval needed for anything over $100k.

Action items:
- Send redlined MSA to Bill (Dana) - by Wednesday
- Sam to confirm the discount with deal desk by EOD Friday.
- Schedule the security review for next week
"""
