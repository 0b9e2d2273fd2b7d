"""The procrastinate worker (``workers.engine: procrastinate``): Simak's use cases as
procrastinate tasks on PostgreSQL. An edge, like the CLI and the web console: the tasks add
no business logic, and every promise (one classification, one delivery) stays in the
database, so the engine only schedules."""
