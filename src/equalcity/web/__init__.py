"""The expert panel's local review page (``equalcity serve``) and the pages it shares with the
status dashboard: templates and static files ship with the package; nothing is fetched from the
network."""
