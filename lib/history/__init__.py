"""History: what the gallery does with past jobs (names, costs, re-run, delete, filters), export and backup."""
