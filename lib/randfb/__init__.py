"""randfb: random filterbanks, exact theory and fast simulation."""
