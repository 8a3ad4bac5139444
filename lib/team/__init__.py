"""The team: who each person is (`people`), who may do what (`people.require_admin`), the monthly caps the
worker holds every send to (`budgets`), and the audit log of paid actions and changes (`audit`)."""
