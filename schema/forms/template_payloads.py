"""Payloads of template and question mutations."""

from __future__ import annotations

from schema.forms.template_types import CustomModuleFormType, CustomModuleType, FileAttachmentType
from schema.payloads import payload_type

CreateCustomModuleFormPayload = payload_type("createCustomModuleFormPayload", customModuleForm=CustomModuleFormType)
UpdateCustomModuleFormPayload = payload_type("updateCustomModuleFormPayload", customModuleForm=CustomModuleFormType)
DeleteCustomModuleFormPayload = payload_type("deleteCustomModuleFormPayload", customModuleForm=CustomModuleFormType)
CopyCustomModuleFormPayload = payload_type("copyCustomModuleFormPayload", customModuleForm=CustomModuleFormType)
ShareCustomModuleFormPayload = payload_type("shareCustomModuleFormPayload", customModuleForm=CustomModuleFormType)
SetScribeInstructionsPayload = payload_type("SetCustomModuleFormScribeInstructionsPayload",
                                            customModuleForm=CustomModuleFormType)
CreateCustomModulePayload = payload_type("createCustomModulePayload", customModule=CustomModuleType)
UpdateCustomModulePayload = payload_type("updateCustomModulePayload", customModule=CustomModuleType)
DeleteCustomModulePayload = payload_type("deleteCustomModulePayload", customModule=CustomModuleType)
CopyCustomModulePayload = payload_type("copyCustomModulePayload", customModule=CustomModuleType)
DeleteFileAttachmentPayload = payload_type("DeleteCustomModuleFileAttachmentPayload",
                                           file_attachment=FileAttachmentType)
