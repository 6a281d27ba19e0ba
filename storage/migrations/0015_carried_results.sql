-- A result carried into a rework's round because the review let it stand (1), as opposed to
-- one the worker sent in that round (0): what a part rework that lapses still pays for.
ALTER TABLE results ADD COLUMN carried INTEGER NOT NULL DEFAULT 0 CHECK (carried IN (0, 1));
