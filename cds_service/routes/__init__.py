"""HTTP routes, grouped by concern: discovery, hooks, feedback, health."""
