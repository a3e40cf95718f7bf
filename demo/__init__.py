"""Development tooling for the demo network on one machine: the launcher and the fault drills.

Not part of what a hospital or an operator installs (the platform's pyproject leaves it out)."""
