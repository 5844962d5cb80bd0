"""Placeholder until the cloud fakes land."""
