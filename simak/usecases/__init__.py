"""The use cases: the only doors into Simak's behaviour.

The command line, the web console and the workers call these functions and add no
business logic of their own: each takes the :class:`simak.app.App` (database, settings,
clock, this run's identity) plus its arguments and returns a typed report, raising
:mod:`common.errors` on failure. A bug fixed here is fixed for every edge.
"""
