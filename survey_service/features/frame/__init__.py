"""The sampling frame: importing completed dossiers from one-stop-shop exports."""
