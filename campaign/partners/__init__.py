"""Partner organizations: applications, membership, profiles, logos, teams, endorsements."""
