"""Access control: who acts (``Principal``), what the Cedar policy allows, and the guard that
enforces and audits every decrypt, load, key operation and registry write."""

from vault_core.access.authorizer import ACTIONS as ACTIONS
from vault_core.access.authorizer import Action as Action
from vault_core.access.authorizer import Authorizer as Authorizer
from vault_core.access.authorizer import Decision as Decision
from vault_core.access.authorizer import Resource as Resource
from vault_core.access.catalog import DatasetAccess as DatasetAccess
from vault_core.access.catalog import DatasetCatalog as DatasetCatalog
from vault_core.access.exceptions import AccessDenied as AccessDenied
from vault_core.access.exceptions import AccessError as AccessError
from vault_core.access.exceptions import AccessFileError as AccessFileError
from vault_core.access.exceptions import DatasetsFileError as DatasetsFileError
from vault_core.access.exceptions import PolicyFileError as PolicyFileError
from vault_core.access.exceptions import PrincipalsFileError as PrincipalsFileError
from vault_core.access.exceptions import UnknownPrincipalError as UnknownPrincipalError
from vault_core.access.guard import AccessGuard as AccessGuard
from vault_core.access.policy import AccessPolicy as AccessPolicy
from vault_core.access.principal import ROLES as ROLES
from vault_core.access.principal import Level as Level
from vault_core.access.principal import Principal as Principal
from vault_core.access.principal import Role as Role
from vault_core.access.principals import PRINCIPAL_ENV as PRINCIPAL_ENV
from vault_core.access.principals import SERVICE_PRINCIPAL as SERVICE_PRINCIPAL
from vault_core.access.principals import PrincipalsFile as PrincipalsFile
from vault_core.access.principals import read_principals as read_principals
from vault_core.access.principals import write_principals as write_principals

__all__ = [
    "ACTIONS",
    "PRINCIPAL_ENV",
    "ROLES",
    "SERVICE_PRINCIPAL",
    "AccessDenied",
    "AccessError",
    "AccessFileError",
    "AccessGuard",
    "AccessPolicy",
    "Action",
    "Authorizer",
    "DatasetAccess",
    "DatasetCatalog",
    "DatasetsFileError",
    "Decision",
    "Level",
    "PolicyFileError",
    "Principal",
    "PrincipalsFile",
    "PrincipalsFileError",
    "Resource",
    "Role",
    "UnknownPrincipalError",
    "read_principals",
    "write_principals",
]
