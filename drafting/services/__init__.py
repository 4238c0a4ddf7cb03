"""What the app does; called alike by HTTP views, socket events and the CLI."""
