"""``python -m arcforge`` runs the command line."""

from arcforge.cli import main

main()
