"""``python -m equalcity``: the command, for when the ``equalcity`` script is not on PATH (the
service's git calls its merge driver this way)."""

from equalcity.cli import main

main()
