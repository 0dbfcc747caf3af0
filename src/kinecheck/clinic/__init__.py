"""Clinic records: clients, intake sessions saved answer by answer, history, audit, export, erase.

Everything here sits on one SQLAlchemy database (`store.open_store`): an owner-only SQLite file
by default, or a PostgreSQL database a clinic shares. The modules, by job:

- `db`: which database (``--db``, KINECHECK_DB, the default file), its engine and settings;
- `tables`: the rows kept; `migrations/`: how a database of an older kinecheck is upgraded;
- `schema`: checks and upgrades a database's schema when it is opened;
- `store`: an open database, with the clinician's name and one transaction at a time;
- `audit`: the append-only, hash-chained log of every change and every read; `auditlog`
  reads it back for people;
- `clients`, `words`: client records and the indexed words they are found by;
- `sessions`: sessions and their answers, one row per answer as given; `intake`: the quiz
  of `kinecheck take` for a client, each answer committed before it is echoed;
- `session_list`, `handover`, `notes`: a client's sessions, the report to hand over, and
  the clinician's notes and overrides kept beside the computed result;
- `changes`, `progress`: what changed between sessions, judged against each measure's
  smallest real change (declared in the definitions);
- `export`, `erase`: an access request, and an erasure that leaves nothing readable.
"""
