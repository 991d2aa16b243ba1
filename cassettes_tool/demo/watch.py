"""`cassettes demo --watch`: a staging that drifts a little more every week.

Week 1 only the auth service has moved to v2; week 2 payments follows; by week 3 every
service runs v2. The services not yet moved answer as v1 did, from the same server.
"""

from __future__ import annotations

from cassettes_tool.demo.services import DemoApp, DemoServer

#: which services (path prefixes) run v2 in each simulated week
WEEKS: tuple[tuple[str, ...], ...] = (
    ("/auth",),
    ("/auth", "/payments"),
    ("/auth", "/payments", "/users", "/catalog", "/files"),
)
#: days between two runs of the watch: a weekly schedule
DAYS_APART = 7


def drift_to(server: DemoServer, week: int) -> None:
    """Make `server` (a v2 server) answer as staging did in `week` (1-based)."""
    moved = WEEKS[week - 1]
    old, new = DemoApp("v1"), DemoApp("v2")
    for (method, path), _ in list(server.app.routes.items()):
        app = new if path.startswith(moved) else old
        server.add_route(method, path, app.routes[(method, path)])
