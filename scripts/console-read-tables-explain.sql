-- EXPLAIN ANALYZE of the register read through the views of the previous build (made here under
-- other names) and through the read tables, on a P9 register kept by
-- `fieldbook-bench --only P9 --postgres URL --directory DIR` (it prints the database URL):
--   psql "$P9_URL" -f scripts/console-read-tables-explain.sql
\timing on
-- The views of the previous build (PostgresRegisterViews), under other names, on the same cells.
CREATE OR REPLACE VIEW attendance_view AS
SELECT substring(c.key FROM 1 FOR 16) AS event_id, substring(c.key FROM 17 FOR 16) AS participant_id,
    fb_text((array_agg(c.value) FILTER (WHERE f.col = 'status'))[1]) AS status,
    fb_text((array_agg(c.value) FILTER (WHERE f.col = 'remark'))[1]) AS remark,
    coalesce(fb_integer((array_agg(c.value) FILTER (WHERE f.col = 'deleted'))[1]), 0) AS deleted
FROM fb_cells c JOIN fb_columns f ON f.id = c.col WHERE f.tbl = 'attendance' GROUP BY c.key;
CREATE OR REPLACE VIEW participants_view AS
SELECT substring(c.key FROM 1 FOR 16) AS id,
    fb_blob((array_agg(c.value) FILTER (WHERE f.col = 'cohort_id'))[1]) AS cohort_id,
    fb_text((array_agg(c.value) FILTER (WHERE f.col = 'name'))[1]) AS name,
    fb_text((array_agg(c.value) FILTER (WHERE f.col = 'trn'))[1]) AS trn,
    fb_text((array_agg(c.value) FILTER (WHERE f.col = 'school'))[1]) AS school,
    fb_text((array_agg(c.value) FILTER (WHERE f.col = 'city'))[1]) AS city,
    fb_text((array_agg(c.value) FILTER (WHERE f.col = 'email'))[1]) AS email,
    coalesce(fb_integer((array_agg(c.value) FILTER (WHERE f.col = 'deleted'))[1]), 0) AS deleted
FROM fb_cells c JOIN fb_columns f ON f.id = c.col WHERE f.tbl = 'participants' GROUP BY c.key;
SELECT count(*) AS cells FROM fb_cells;
SELECT count(*) AS marks FROM attendance;
\echo === before: SELECT * FROM attendance (view)
EXPLAIN (ANALYZE, BUFFERS OFF) SELECT * FROM attendance_view;
\echo === after: SELECT * FROM attendance (table)
EXPLAIN (ANALYZE, BUFFERS OFF) SELECT * FROM attendance;
\echo === before: attendance x participants (views)
EXPLAIN (ANALYZE, BUFFERS OFF) SELECT p.name, a.status, a.remark FROM attendance_view a JOIN participants_view p ON p.id = a.participant_id WHERE a.deleted = 0 AND p.deleted = 0;
\echo === after: attendance x participants (tables)
EXPLAIN (ANALYZE, BUFFERS OFF) SELECT p.name, a.status, a.remark FROM attendance a JOIN participants p ON p.id = a.participant_id WHERE a.deleted = 0 AND p.deleted = 0;
\echo === after: the rate per participant (docs/CONSOLE.md example)
EXPLAIN (ANALYZE, BUFFERS OFF) SELECT pr.code, c.name AS cohort, p.name,
       count(*) FILTER (WHERE a.status IN ('present', 'late')) * 100.0
         / nullif(count(*) FILTER (WHERE a.status IN ('present', 'late', 'absent')), 0) AS rate
FROM participants p
JOIN cohorts c ON c.id = p.cohort_id AND c.deleted = 0
JOIN programmes pr ON pr.id = c.programme_id
LEFT JOIN attendance a ON a.participant_id = p.id AND a.deleted = 0
WHERE p.deleted = 0
GROUP BY pr.code, c.name, p.name ORDER BY rate;
\echo === before: the grid marks from the cells, per event by key range (the console query until the tables)
EXPLAIN (ANALYZE, BUFFERS OFF)
SELECT substring(c.key FROM 17 FOR 16) AS participant_id,
       string_agg(ev.n::text || CASE c.value WHEN '\x0370726573656e74'::bytea THEN 'p' WHEN '\x036c617465'::bytea THEN 'l'
           WHEN '\x03616273656e74'::bytea THEN 'a' WHEN '\x0365786375736564'::bytea THEN 'e' END, ' ') AS marks
FROM (SELECT id, (row_number() OVER (ORDER BY starts))::int - 1 FROM events
      WHERE cohort_id = (SELECT id FROM cohorts WHERE name = 'Bench')) AS ev(id, n)
CROSS JOIN LATERAL (
    SELECT x.key, x.value FROM fb_cells x
    WHERE x.col = (SELECT id FROM fb_columns WHERE tbl = 'attendance' AND col = 'status')
    AND x.key > ev.id AND x.key < ev.id || '\xffffffffffffffffffffffffffffffff'::bytea
    OFFSET 0) c
WHERE get_byte(c.value, 0) = 3 AND NOT EXISTS (
    SELECT 1 FROM fb_cells d
    WHERE d.col = (SELECT id FROM fb_columns WHERE tbl = 'attendance' AND col = 'deleted')
    AND d.key = c.key AND get_byte(d.value, 0) = 1 AND d.value <> '\x010000000000000000'::bytea)
GROUP BY 1;
\echo === after: the grid marks from the attendance table (the console query now, on both stores)
EXPLAIN (ANALYZE, BUFFERS OFF)
SELECT a.participant_id, string_agg(e.n::text || substr(a.status, 1, 1), ' ') AS marks
FROM (SELECT id, (row_number() OVER (ORDER BY starts))::int - 1 FROM events
      WHERE cohort_id = (SELECT id FROM cohorts WHERE name = 'Bench')) AS e(id, n)
JOIN attendance a ON a.event_id = e.id
WHERE a.deleted = 0 AND a.status IS NOT NULL
GROUP BY a.participant_id;
DROP VIEW attendance_view;
DROP VIEW participants_view;
