-- Item tasks: each unit is one input item, answered item by item (bot/services/items.py).
-- A choice task's answers, as a JSON list (NULL: answers are results of the task's type).
ALTER TABLE tasks ADD COLUMN labels TEXT;
ALTER TABLE tasks ADD COLUMN multi INTEGER NOT NULL DEFAULT 0 CHECK (multi IN (0, 1));
-- How many items the task has (0: a count task, whose units are only a number).
ALTER TABLE tasks ADD COLUMN item_count INTEGER NOT NULL DEFAULT 0;

CREATE TABLE items (
    id        INTEGER PRIMARY KEY,
    task_id   INTEGER NOT NULL REFERENCES tasks (id),
    position  INTEGER NOT NULL,  -- 1… in the file's order
    key       TEXT    NOT NULL,
    input     TEXT    NOT NULL,  -- JSON object: the columns the worker is shown
    UNIQUE (task_id, position),
    UNIQUE (task_id, key)
);

-- The items an assignment holds. An item is in the pool again when its assignment was
-- declined, lapsed, expired or cancelled, or when the worker skipped it.
CREATE TABLE assignment_items (
    assignment_id INTEGER NOT NULL REFERENCES assignments (id),
    position      INTEGER NOT NULL,  -- 1… within the assignment
    item_id       INTEGER NOT NULL REFERENCES items (id),
    skipped       TEXT,              -- why the worker skipped it
    PRIMARY KEY (assignment_id, position)
);
CREATE INDEX assignment_items_item ON assignment_items (item_id);

-- The item the worker sees now (its position in the assignment).
ALTER TABLE assignments ADD COLUMN item_cursor INTEGER;

-- An answer to an item: one per item and round.
ALTER TABLE results ADD COLUMN item_id INTEGER REFERENCES items (id);
CREATE UNIQUE INDEX results_item_per_round ON results (assignment_id, round, item_id)
    WHERE item_id IS NOT NULL;
