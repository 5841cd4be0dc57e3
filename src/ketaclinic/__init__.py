"""ketaclinic: the Django project that runs an IV-ketamine neuropathic-pain clinic."""
