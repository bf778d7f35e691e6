"""The JSON API (Django REST framework): what a person may read and write through the
pages, by the same selectors and services, for the tools a consultancy already uses."""
