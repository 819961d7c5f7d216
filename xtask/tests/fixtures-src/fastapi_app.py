"""A small FastAPI app whose OpenAPI document (3.1, as FastAPI emits by
default) is the fixture `xtask/tests/fixtures/fastapi.json`.

Regenerate it with:

    python3 -m venv target/fastapi-venv
    target/fastapi-venv/bin/pip install fastapi
    target/fastapi-venv/bin/python xtask/tests/fixtures-src/fastapi_app.py \
        > xtask/tests/fixtures/fastapi.json
"""

import json
from datetime import datetime
from enum import Enum
from typing import Optional

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

app = FastAPI(title="Todo", version="0.1.0", servers=[{"url": "https://todo.example.com"}])


class Priority(str, Enum):
    low = "low"
    normal = "normal"
    high = "high"


class TodoIn(BaseModel):
    title: str = Field(min_length=1, max_length=200, examples=["Buy milk"])
    notes: Optional[str] = None
    priority: Priority = Priority.normal
    due: Optional[datetime] = None
    tags: list[str] = []


class Todo(TodoIn):
    id: int
    done: bool = False


class TodoPage(BaseModel):
    items: list[Todo]
    total: int
    next_cursor: Optional[str] = Field(default=None, description="Absent on the last page.")


TODOS: dict[int, Todo] = {}


@app.get("/todos", response_model=TodoPage, tags=["todos"])
def list_todos(
    done: Optional[bool] = None,
    priority: Optional[Priority] = None,
    tag: list[str] = Query(default=[]),
    limit: int = Query(default=20, ge=1, le=100),
    cursor: Optional[str] = None,
) -> TodoPage:
    """Lists todos, filtered and paged."""
    items = [t for t in TODOS.values() if done is None or t.done == done][:limit]
    return TodoPage(items=items, total=len(items))


@app.post("/todos", response_model=Todo, status_code=201, tags=["todos"])
def create_todo(todo: TodoIn) -> Todo:
    """Creates a todo."""
    created = Todo(id=len(TODOS) + 1, **todo.model_dump())
    TODOS[created.id] = created
    return created


@app.get("/todos/{todo_id}", response_model=Todo, tags=["todos"])
def get_todo(todo_id: int) -> Todo:
    """Reads one todo."""
    if todo_id not in TODOS:
        raise HTTPException(status_code=404, detail="no such todo")
    return TODOS[todo_id]


@app.delete("/todos/{todo_id}", status_code=204, tags=["todos"])
def delete_todo(todo_id: int) -> None:
    """Deletes a todo."""
    TODOS.pop(todo_id, None)


if __name__ == "__main__":
    print(json.dumps(app.openapi(), indent=2))
