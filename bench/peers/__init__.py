"""The peers the bench compares Aduan with: django-helpdesk and raw PostgreSQL (pgbench)."""
