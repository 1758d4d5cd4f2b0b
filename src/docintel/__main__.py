from docintel.cli import app

app()
