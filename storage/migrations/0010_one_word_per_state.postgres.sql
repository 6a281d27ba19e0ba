-- PostgreSQL's twin of 0010 (see storage/postgres.py): what SQLite does by rebuilding the two
-- tables, PostgreSQL does in place (the indexes stay as they are).

ALTER TABLE assignments DROP CONSTRAINT assignments_status_check;
UPDATE assignments SET status = CASE status WHEN 'accepted' THEN 'in_progress'
                                            WHEN 'approved' THEN 'accepted' ELSE status END;
ALTER TABLE assignments ADD CONSTRAINT assignments_status_check
    CHECK (status IN ('offered', 'in_progress', 'submitted', 'accepted',
                      'rejected', 'declined', 'expired', 'cancelled'));
ALTER TABLE assignments RENAME COLUMN accepted_at TO started_at;

ALTER TABLE quotes DROP CONSTRAINT quotes_status_check;
UPDATE quotes SET status = 'awarded' WHERE status = 'accepted';
ALTER TABLE quotes ADD CONSTRAINT quotes_status_check
    CHECK (status IN ('pending', 'awarded', 'rejected', 'withdrawn', 'expired'));
