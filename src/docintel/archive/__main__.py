from docintel.archive.cli import archive_app

archive_app()()
