from tenure.cli.main import app

app()
