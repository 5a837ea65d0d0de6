"""The `postdrill` command: serve, migrate, demo, import, export, user add, enterprise set. `postdrill COMMAND --help` explains each."""

import argparse
import getpass
import os
import sys
from collections.abc import Sequence

from sqlmodel import Session, select

from app import clock
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
    print(
        "  企业 DEMO / DEMO2 / DEMO3：manager、trainer、leader、worker01…worker30；监管：企业编码 DEMO-R，用户名 regulator"
    )
    return 0


# Phones in a live competition wait 10–60 s between questions. uvicorn's default of 5 s closed
# nearly every player's connection before the next answer, so each answer opened a new one (24,174
# reconnects for 30,000 answers at 10,000 players in bench/contest.py); 75 s is nginx's default.
KEEP_ALIVE_SECONDS = 75


def keep_alive_seconds(text: str) -> int:
    """`--keep-alive`: a whole number of seconds, 1 to 3600."""
    try:
        seconds = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--keep-alive：“{text}”不是整数秒") from None
    if not 1 <= seconds <= 3600:
        raise argparse.ArgumentTypeError(f"--keep-alive：{seconds} 秒超出范围（1～3600）")
    return seconds


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
        timeout_keep_alive=args.keep_alive,
    )
    return 0


def cmd_user_add(args: argparse.Namespace, settings: Settings) -> int:
    role = Role(args.role)
    engine = _engine(settings)
    with Session(engine) as session:
        person = Person(username=args.username, name=args.name, role=role, phone=args.phone)
        if role in ENTERPRISE_ROLES:
            enterprise = _enterprise(session, args.code)
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


def cmd_enterprise_set(args: argparse.Namespace, settings: Settings) -> int:
    if not clock.is_time_zone(args.time_zone):
        print(f"错误：--time-zone：“{args.time_zone}”不是时区名（应为 IANA 名称，如 Asia/Shanghai）", file=sys.stderr)
        return 2
    engine = _engine(settings)
    with Session(engine) as session:
        enterprise = _enterprise(session, args.code)
        if enterprise is None:
            print(f"错误：--code：找不到企业编码“{args.code}”", file=sys.stderr)
            return 2
        enterprise.time_zone = args.time_zone
        session.add(enterprise)
        session.commit()
        print(f"{enterprise.name}（{enterprise.code}）的时区：{args.time_zone}")
    return 0


def _enterprise(session: Session, code: str | None) -> Enterprise | None:
    return session.exec(select(Enterprise).where(Enterprise.code == (code or "").upper())).first()


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from app.cards.parsing import parse_cards
    from app.cards.service import import_posts
    from app.db import utcnow

    files = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            print(f"错误：{name}：文件不存在", file=sys.stderr)
            return 2
        files.append((path.name, path.read_bytes()))
    parsed, problems = parse_cards(files)
    posts = [post for post, _ in parsed]
    for problem in problems:
        print(problem, file=sys.stderr)
    for _, warnings in parsed:
        for warning in warnings:
            print(f"提醒：{warning}", file=sys.stderr)
    if problems:
        print(f"发现 {len(problems)} 处问题，未导入任何内容。", file=sys.stderr)
        return 1
    if args.check:
        print(f"检查通过：{len(posts)} 个岗位，未写入数据库。")
        return 0
    engine = _engine(settings)
    with Session(engine) as session:
        enterprise = _enterprise(session, args.enterprise)
        if enterprise is None or enterprise.id is None:
            print(f"错误：--enterprise：找不到企业编码“{args.enterprise}”", file=sys.stderr)
            return 2
        outcomes = import_posts(
            session,
            enterprise_id=enterprise.id,
            posts=[(post, name) for post, (name, _) in zip(posts, files, strict=True)],
            actor=None,
            now=utcnow(),
            publish=not args.draft,
        )
        session.commit()
    words = {"created": "新建", "updated": "更新为新版本", "unchanged": "内容未变"}
    for outcome in outcomes:
        state = "已发布" if outcome.published else "草稿"
        print(f"{outcome.post.code}：{words[outcome.status]}，第 {outcome.version} 版（{state}）")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from app.cards import service
    from app.cards.excel import write_workbook
    from app.cards.parsing import dump_yaml

    engine = _engine(settings)
    with Session(engine) as session:
        enterprise = _enterprise(session, args.enterprise)
        post = (
            service.get_by_code(session, enterprise_id=enterprise.id, code=args.post)
            if enterprise and enterprise.id
            else None
        )
        if post is None:
            print(f"错误：--post：企业“{args.enterprise}”没有岗位编码“{args.post}”", file=sys.stderr)
            return 2
        stored = service.version(session, post, args.version or post.published_version or post.latest_version)
        if stored is None:
            print(f"错误：--version：岗位 {args.post} 没有第 {args.version} 版", file=sys.stderr)
            return 2
        content = service.content(stored)
    body = dump_yaml(content) if args.format == "yaml" else write_workbook(content)
    target = Path(args.output or f"{post.code}.{args.format}")
    target.write_bytes(body)
    print(f"已导出 {post.code} 第 {stored.number} 版到 {target}")
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
    serve.add_argument(
        "--keep-alive",
        type=keep_alive_seconds,
        default=KEEP_ALIVE_SECONDS,
        help=f"seconds an idle connection stays open (default {KEEP_ALIVE_SECONDS})",
    )
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

    importer = commands.add_parser(
        "import",
        help="import 两单两卡 card files (.yaml/.yml/.xlsx)",
        description="Check card files and import them into one enterprise, all or nothing: every problem is "
        "listed with its file, line or sheet/row/column and field, and nothing is written while any remains.",
    )
    importer.add_argument("files", nargs="+", metavar="FILE", help="card files, one post each")
    importer.add_argument("--enterprise", help="enterprise code to import into (not needed with --check)")
    importer.add_argument("--check", action="store_true", help="only check the files; write nothing")
    importer.add_argument("--draft", action="store_true", help="keep new versions as drafts instead of publishing them")
    importer.set_defaults(handler=cmd_import)

    exporter = commands.add_parser(
        "export",
        help="export one post's cards as YAML or Excel",
        description="Write one post's cards to a file that imports back unchanged.",
    )
    exporter.add_argument("--enterprise", required=True, help="enterprise code")
    exporter.add_argument("--post", required=True, help="post code, e.g. mine-drilling")
    exporter.add_argument("--format", choices=["yaml", "xlsx"], default="yaml")
    exporter.add_argument("--version", type=int, help="version number (default: the published one)")
    exporter.add_argument("-o", "--output", help="file to write (default: CODE.FORMAT here)")
    exporter.set_defaults(handler=cmd_export)

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

    enterprise = commands.add_parser("enterprise", help="enterprise settings", description="Enterprise settings.")
    enterprise_commands = enterprise.add_subparsers(dest="enterprise_command", required=True, metavar="ACTION")
    setter = enterprise_commands.add_parser(
        "set",
        help="change an enterprise's settings",
        description="Change an enterprise's settings. --time-zone is the zone every time and every day "
        "(today's reviews, streaks) is shown in; stored times stay UTC.",
    )
    setter.add_argument("--code", required=True, help="enterprise code")
    setter.add_argument(
        "--time-zone",
        required=True,
        help=f"IANA time zone name (default for new enterprises: {clock.DEFAULT_TIME_ZONE})",
    )
    setter.set_defaults(handler=cmd_enterprise_set)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args, get_settings())


if __name__ == "__main__":
    sys.exit(main())
