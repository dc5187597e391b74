import os
SECRET_KEY = "pyT9FAKEdjango1"
os.environ["DB_PASSWORD"] = "pyT9FAKEenviron2"
config.set("password", "pyT9FAKEset3")
API_TOKEN = os.getenv("API_TOKEN")
DATABASE_PASSWORD = os.environ.get("DATABASE_PASSWORD", "")
token = process.env.API_TOKEN
SIGNING_KEY = """
pyT9FAKEtriple4
"""
