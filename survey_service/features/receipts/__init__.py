"""Receipt tokens: the one-stop-shop system asks for one per completed dossier."""
