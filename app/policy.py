"""Who may do what, in one place: the roles that may sign off a finger-point-and-say, host and read
pre-shift meetings and edit the roster, and how far each reaches (their team or the whole
enterprise). The JSON API and the pages both ask here, so a list a page shows and the action the
API allows can never disagree.

Pure: roles and ids in, answers out. Tenancy (which enterprises a caller sees at all) is
`app.security.Scope`; this module decides within one enterprise.
"""

from dataclasses import dataclass

from app.org.models import ENTERPRISE_ROLES, ROLE_LABELS, Person, Role

# A leader witnesses their own team's runs; trainers and managers anybody's in the enterprise.
SIGNERS = frozenset({Role.leader, Role.trainer, Role.manager})
# A leader runs their own team's pre-shift meetings; a trainer any team's.
HOSTS = frozenset({Role.leader, Role.trainer})
MEETING_READERS = frozenset({Role.leader, Role.trainer, Role.manager, Role.regulator, Role.admin})
# Card proposals: a leader decides their team's posts' proposals (at the pre-shift meeting or
# not), a trainer any post's; the trainer merges accepted ones into a new version; the manager
# (主要负责人) approves it. Readers of a post's proposals are the deciders and the manager.
PROPOSAL_DECIDERS = frozenset({Role.leader, Role.trainer})
PROPOSAL_READERS = frozenset({Role.leader, Role.trainer, Role.manager})
VERSION_REVIEWERS = frozenset({Role.trainer})
VERSION_APPROVERS = frozenset({Role.manager})
ROSTER_EDITORS = frozenset({Role.trainer, Role.manager})
# The enterprise's own settings (e.g. the least plausible time per finger-point-and-say item).
SETTINGS_EDITORS = frozenset({Role.trainer, Role.manager})


@dataclass(frozen=True)
class Reach:
    """Whose work a person may act on: one enterprise, and within it one team or (None) all teams."""

    enterprise_id: int
    department_id: int | None

    def covers(self, *, enterprise_id: int | None, department_id: int | None) -> bool:
        if enterprise_id != self.enterprise_id:
            return False
        return self.department_id is None or department_id == self.department_id


def sign_reach(signer: Person) -> Reach | None:
    """Whose runs the person may sign off, or None for nobody's (a leader without a team signs
    nothing: "their team" is empty, never "everyone")."""
    if signer.role not in SIGNERS or signer.enterprise_id is None:
        return None
    if signer.role == Role.leader:
        if signer.department_id is None:
            return None
        return Reach(signer.enterprise_id, signer.department_id)
    return Reach(signer.enterprise_id, None)


def attend_problem(person: Person, *, department_id: int, team_name: str) -> str | None:
    """A pre-shift meeting is its team's: its log is the team's attendance record, so somebody
    from another team (or none) is told so instead of silently appearing in it."""
    if person.department_id != department_id:
        return f"这是“{team_name}”的班前会，您不在这个班组，不能加入。请参加本班组的班前会。"
    return None


# --- the roster --------------------------------------------------------------------------------


def assignable_roles(actor_role: str) -> tuple[Role, ...]:
    """A trainer cannot make a manager; a manager can set any enterprise role."""
    if actor_role == Role.manager:
        return ENTERPRISE_ROLES
    if actor_role == Role.trainer:
        return (Role.worker, Role.leader, Role.trainer)
    return ()


def person_change_problem(actor: Person, current: Person | None, new_role: Role) -> str | None:
    """Why `actor` may not create (current None) or change `current` into a person with `new_role`,
    or None when they may. Every path that writes people (the form, PUT, a roster import) asks
    this one function, so no path is more lenient than another. Any change at all to a person
    counts, a new name as much as a new role: a trainer leaves a manager's record alone."""
    if actor.role not in ROSTER_EDITORS or actor.enterprise_id is None:
        return "只有企业的培训/安全管理员或主要负责人可以添加或修改人员"
    allowed = assignable_roles(actor.role)
    if current is not None:
        if current.enterprise_id != actor.enterprise_id:
            return "只能修改本企业的人员"
        if current.role not in allowed:
            return f"您不能修改角色为“{ROLE_LABELS.get(Role(current.role), current.role)}”的人员"
        if current.id == actor.id and new_role != actor.role:
            return "不能修改自己的角色"
    if new_role not in allowed:
        return f"您不能设置角色“{ROLE_LABELS.get(new_role, new_role)}”"
    return None
