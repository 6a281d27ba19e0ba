-- A chat's pending notices go out in the order queued, even when an earlier one waits out a
-- flood or a network error: the dispatcher looks for an earlier pending row of the same chat.
CREATE INDEX outbox_pending_chat ON outbox (chat_id, id) WHERE status = 'pending';

-- A file may come back in a later round of the same assignment (rework of the other units);
-- it is still refused in the same round, or from any other assignment (checked when stored).
DROP INDEX results_unique_file;
CREATE UNIQUE INDEX results_file_per_round
    ON results (assignment_id, round, file_unique_id) WHERE file_unique_id IS NOT NULL;
CREATE INDEX results_file ON results (file_unique_id) WHERE file_unique_id IS NOT NULL;
