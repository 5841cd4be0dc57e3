"""Treatment plans: a signed, versioned infusion plan per patient (docs/infusions.md)."""
