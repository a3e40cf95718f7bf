"""The HIP (Health Intel Provider) service: one per hospital, serving that hospital's model bundle."""
