"""The processing queue behind the HTTP API: uploads wait in the database, a runner reads them."""

from docintel.queue.dispatcher import Dispatcher
from docintel.queue.intake import Enqueued, GroupCommit, Upload, enqueue_file, enqueue_uploads
from docintel.queue.jobs import Claimed, claim_next, complete, one_writer, original_path, requeue

__all__ = [
    "Claimed",
    "Dispatcher",
    "Enqueued",
    "GroupCommit",
    "Upload",
    "claim_next",
    "complete",
    "enqueue_file",
    "enqueue_uploads",
    "one_writer",
    "original_path",
    "requeue",
]
