"""The shop's web application."""
from fastapi import FastAPI
from sqlalchemy import create_engine

from app.models import Base

engine = create_engine("postgresql://shop@localhost/shop")

# Creates the tables the models describe at every start-up, racing
# `alembic upgrade head` in the deployment.
Base.metadata.create_all(engine)

app = FastAPI()
