"""Ember's own small services, each a process of its own: the web page and the content service."""
