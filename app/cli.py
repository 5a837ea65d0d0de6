"""The `postdrill` command: serve, migrate, demo, user add. `postdrill COMMAND --help` explains each."""

import argparse
import getpass
import os
import sys
from collections.abc import Sequence

from sqlmodel import Session, select

from app.accounts.schemas import password_problem
from app.db import make_engine
from app.demo import DEMO_PASSWORD, load_demo
from app.migrations import upgrade_to_head
from app.org.models import ENTERPRISE_ROLES, Enterprise, Person, Region, Role
from app.security import make_password_hasher
from app.settings import Settings, get_settings


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    engine = make_engine(settings)
    upgrade_to_head(engine)
    return engine


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    _engine(settings).dispose()
    print(f"数据库已升级到最新结构：{settings.resolved_database_url().split('@')[-1]}")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    with Session(engine) as session:
        summary = load_demo(session, hasher=make_password_hasher(settings))
        session.commit()
    print(f"演示数据已就绪（新建 {summary.created} 个账号）。所有演示账号密码：{DEMO_PASSWORD}")
    print("  企业 DEMO / DEMO2：manager、trainer、leader、worker01…worker30；监管：企业编码 DEMO-R，用户名 regulator")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    settings.resolved_secret_key()  # create the key once, before several workers race for it
    _engine(settings).dispose()  # migrate once here; the workers then skip it
    os.environ["POSTDRILL_MIGRATE_ON_START"] = "0"
    print(f"岗位练兵已启动：http://{args.host}:{args.port}/  （按 Ctrl+C 停止）", flush=True)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=True,
    )
    return 0


def cmd_user_add(args: argparse.Namespace, settings: Settings) -> int:
    role = Role(args.role)
    engine = _engine(settings)
    with Session(engine) as session:
        person = Person(username=args.username, name=args.name, role=role, phone=args.phone)
        if role in ENTERPRISE_ROLES:
            enterprise = session.exec(select(Enterprise).where(Enterprise.code == (args.code or "").upper())).first()
            if enterprise is None:
                print(f"错误：--code：找不到企业编码“{args.code}”", file=sys.stderr)
                return 2
            person.enterprise_id = enterprise.id
        elif role == Role.regulator:
            region = session.exec(select(Region).where(Region.code == (args.code or "").upper())).first()
            if region is None:
                print(f"错误：--code：找不到辖区编码“{args.code}”", file=sys.stderr)
                return 2
            person.region_id = region.id
        password = args.password or getpass.getpass("新密码：")
        problem = password_problem(password)
        if problem:
            print(f"错误：密码：{problem}", file=sys.stderr)
            return 2
        person.password_hash = make_password_hasher(settings).hash(password)
        session.add(person)
        try:
            session.commit()
        except Exception:
            print(f"错误：--username：“{args.username}”已存在", file=sys.stderr)
            return 2
    print(f"已添加 {args.name}（{args.username}，{role.value}）")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postdrill",
        description="岗位练兵 PostDrill. The database is DATABASE_URL (default: a SQLite file in ./instance).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="start the web app", description="Migrate the database, then serve the app."
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes; use PostgreSQL for more than one or two"
    )
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(handler=cmd_serve)

    migrate = commands.add_parser(
        "migrate",
        help="upgrade the database schema",
        description="Run all migrations (alembic upgrade head).",
    )
    migrate.set_defaults(handler=cmd_migrate)

    demo = commands.add_parser(
        "demo",
        help="load demo data (safe to repeat)",
        description=f"Create the demo region, enterprises and accounts (password {DEMO_PASSWORD}). Safe to run again.",
    )
    demo.set_defaults(handler=cmd_demo)

    user = commands.add_parser("user", help="manage accounts", description="Manage accounts.")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = user_commands.add_parser(
        "add",
        help="add one account",
        description="Add one account. Enterprise roles need --code ENTERPRISE; a regulator needs --code REGION.",
    )
    add.add_argument("--username", required=True, help="login name, unique within the enterprise or region")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--code", help="enterprise code (worker, leader, trainer, manager) or region code (regulator)")
    add.add_argument("--phone", help="mobile number (optional)")
    add.add_argument("--password", help="password; asked for when left out")
    add.set_defaults(handler=cmd_user_add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args, get_settings())


if __name__ == "__main__":
    sys.exit(main())
