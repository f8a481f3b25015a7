"""Which log lines show what: the evidence tables the truth rules read (data, not logic).

Each table maps a value of a field to the nova wordings that prove it.  They
are matched against the text of the records of one move (its request ids,
or its instance inside its time window), so a wording only counts for the
move it belongs to.  Sources: docs/nova-migration-logs.md
§3 (flows) and §5.2 (statuses).

The tables are deliberately generous: a field the tables call "known" only
turns a product's "unknown" into *lost*; it never makes a stated value wrong.
They must not be generous the other way — a wording listed for a value must
not also appear in moves that end otherwise.
"""

from __future__ import annotations

import re

#: wordings only a live migration logs (API body, conductor task, compute steps, RPC method names)
LIVE = re.compile(
    r"(?i:live[ _-]?migrat)|os-migrateLive|Post operation of migration started|Migration running for"
    r"|Migrating instance to \S+ finished successfully|VM (?:Migration completed|Postcopy started)"
    r"|pending task \(migrating\)|Switching to post-copy|Migration operation has (?:completed|aborted)"
)
#: wordings only an evacuation logs (Pike/Queens say "Rebuilding instance" for rebuilds too: not listed)
EVACUATION = re.compile(
    r'"evacuate"|vm evacuation scheduled|Evacuating instance|evacuating (?:using|from)'
    r"|recreating using existing disk|disk not on shared storage, rebuilding from"
    r"|has been evacuated from this host|expected to be down, but it was up|Compute service of \S+ is still in use"
)
#: a cold move, migration or resize (the compute steps of both are worded alike); not the power-off
#: and destroy lines, which a stop or delete logs the same way
COLD = re.compile(
    r"\] Migrating$|migrate_disk_and_power_off|finish_migration"
    r"|Going to confirm migration|Automatically confirming migration|Updating instance to original state"
    r"|finish_revert_migration|Setting instance back to active|prep_resize|resize_instance|finish_resize"
    r'|"migrate": |"resize": |"confirmResize"|"revertResize"|Calling prep_resize', re.M
)
#: what tells a cold migration from a resize: the API's request body and its DEBUG flavor lines
MIGRATION = re.compile(r'\{"migrate": |flavor_id is None\. Assuming migration\.'
                       r"|Old instance type (\S+), new instance type \1\b")
RESIZE = re.compile(r'\{"resize": |Old instance type (\S+), new instance type (?!\1\b)\S+')

KIND = {"live-migration": LIVE, "evacuation": EVACUATION, "migration": MIGRATION, "resize": RESIZE}
#: any of them: a line that shows a move happened at all (else nothing asks for a row)
ANY_MOVE = (LIVE, EVACUATION, COLD, MIGRATION, RESIZE)

#: the status a move reached, by the wordings that prove it (§5.2)
STATUS = {
    "completed": re.compile(
        r"Migrating instance to \S+ finished successfully|Post operation of migration started"
        r"|_post_live_migration\(\) is started|Migration operation has completed"
        r"|Instance spawned successfully|has been evacuated from this host"),
    "failed": re.compile(
        r"Live Migration failure|Migration operation has aborted|Pre live migration failed"
        r"|Live migration not completed after|Failed to compute_task_|Setting instance to [A-Z]+ state"
        r"|Exception during message handling|Setting instance back to|Setting instance vm_state to ERROR"
        r"|HTTP exception thrown|Dropping live migration resource claim|Calling destination to drop move claim"
        r"|Live migration failed\."),
    "confirmed": re.compile(r'"confirmResize"|Going to confirm migration|Automatically confirming migration'
                            r'|"POST [^"]*/action[^"]*" status: 204\b'),
    "reverted": re.compile(r'"revertResize"|Updating instance to original state|finish_revert_migration'),
    "cancelled": re.compile(r"Migration operation was cancelled|Successfully cancelled queued live migration"),
}

#: lines that state block_migration, or imply it (shared-storage probe, a disk being copied)
BLOCK_MIGRATION = re.compile(
    r'block_migration[=:"\s]+"?(?:True|False|true|false)\b|Exists\? (?:True|False)|is not on shared storage'
    r"|disk \d+% remaining \(bytes processed=\d+, remaining=\d+, total=[1-9]"
)
#: the source's memory copy or an earlier end: whether post-copy was used is then known
POST_COPY_KNOWN = re.compile(
    r"Migration running for|VM Paused|VM Migration completed|VM Postcopy started|Migration operation has"
    r"|Live Migration failure|Pre live migration failed|Failed to compute_task_|Switching to post-copy"
)
#: nova holds STOPPED lifecycle events back 15 s on purpose: never a move's own step
DELAYED = re.compile(r"VM Stopped \(Lifecycle Event\)|=> Stopped>")
#: INFO fallback for the start of a cold move's outage (the DEBUG 'Shutting down instance' is gone)
SHUTDOWN_AFTER = re.compile(r"Instance shutdown successfully after (\d+) seconds")

INSTANCE = re.compile(r"\[instance: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\]")
REQUEST_ID = re.compile(r"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
