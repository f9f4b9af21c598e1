"""Template and question mutations: build the service's typed input, call one service, return the payload."""

from __future__ import annotations

import strawberry

from apps.forms.models import CustomModule
from apps.forms.services import templates as services
from schema.context import Info
from schema.forms import template_inputs as inputs
from schema.forms import template_payloads as payloads
from schema.forms.template_types import FileAttachmentType
from schema.payloads import run


def _file_out(module: CustomModule) -> FileAttachmentType:
    # The detached file has no link any more (the question no longer holds it).
    return FileAttachmentType(id=strawberry.ID(str(module.pk)), url=None)


@strawberry.type
class Mutation:
    @strawberry.mutation
    def createCustomModuleForm(  # noqa: N802
        self, info: Info, input: inputs.CreateCustomModuleFormInput | None = None
    ) -> payloads.CreateCustomModuleFormPayload | None:
        return run(payloads.CreateCustomModuleFormPayload,
                   lambda: services.create_form(info.context.viewer, inputs.form_input(input)), "customModuleForm")

    @strawberry.mutation(description="Edits a template; is_archived true archives it, false restores it.")
    def updateCustomModuleForm(  # noqa: N802
        self, info: Info, input: inputs.UpdateCustomModuleFormInput | None = None
    ) -> payloads.UpdateCustomModuleFormPayload | None:
        raw_id = input.id if input else None
        return run(payloads.UpdateCustomModuleFormPayload,
                   lambda: services.update_form(info.context.viewer, raw_id or None, inputs.form_input(input)),
                   "customModuleForm")

    @strawberry.mutation
    def deleteCustomModuleForm(  # noqa: N802
        self, info: Info, input: inputs.DeleteCustomModuleFormInput | None = None
    ) -> payloads.DeleteCustomModuleFormPayload | None:
        return run(payloads.DeleteCustomModuleFormPayload,
                   lambda: services.delete_form(info.context.viewer, input.id if input else None), "customModuleForm")

    @strawberry.mutation(description="Copies a template (id) or several (id_list, comma separated) into the "
                         "caller's templates; returns the (last) copy.")
    def copyCustomModuleForm(  # noqa: N802
        self, info: Info, input: inputs.CopyCustomModuleFormInput | None = None
    ) -> payloads.CopyCustomModuleFormPayload | None:
        data = input or inputs.CopyCustomModuleFormInput()
        return run(payloads.CopyCustomModuleFormPayload,
                   lambda: services.copy_forms(info.context.viewer, data.id, data.id_list, data.user_id),
                   "customModuleForm")

    @strawberry.mutation(description="Gives another member of the organization their own copy and e-mails them.")
    def shareCustomModuleForm(  # noqa: N802
        self, info: Info, input: inputs.ShareCustomModuleFormInput | None = None
    ) -> payloads.ShareCustomModuleFormPayload | None:
        data = input or inputs.ShareCustomModuleFormInput()
        return run(payloads.ShareCustomModuleFormPayload,
                   lambda: services.share_form(info.context.viewer, data.id, data.form_share_recipient),
                   "customModuleForm")

    @strawberry.mutation(description="Stores the instructions; there is no AI scribe that reads them.")
    def setCustomModuleFormScribeInstructions(  # noqa: N802
        self, info: Info, input: inputs.SetCustomModuleFormScribeInstructionsInput
    ) -> payloads.SetScribeInstructionsPayload | None:
        return run(payloads.SetScribeInstructionsPayload,
                   lambda: services.set_scribe_instructions(info.context.viewer, input.custom_module_form_id,
                                                            input.custom_instructions), "customModuleForm")

    @strawberry.mutation(description="Adds a question; index (0-based) places it, else it goes last.")
    def createCustomModule(  # noqa: N802
        self, info: Info, input: inputs.CreateCustomModuleInput | None = None
    ) -> payloads.CreateCustomModulePayload | None:
        return run(payloads.CreateCustomModulePayload,
                   lambda: services.create_module(info.context.viewer, inputs.module_input(input)), "customModule")

    @strawberry.mutation(description="Edits a question; index moves it (reorder).")
    def updateCustomModule(  # noqa: N802
        self, info: Info, input: inputs.UpdateCustomModuleInput | None = None
    ) -> payloads.UpdateCustomModulePayload | None:
        raw_id = input.id if input else None
        return run(payloads.UpdateCustomModulePayload,
                   lambda: services.update_module(info.context.viewer, raw_id or None, inputs.module_input(input)),
                   "customModule")

    @strawberry.mutation
    def deleteCustomModule(  # noqa: N802
        self, info: Info, input: inputs.DeleteCustomModuleInput | None = None
    ) -> payloads.DeleteCustomModulePayload | None:
        return run(payloads.DeleteCustomModulePayload,
                   lambda: services.delete_module(info.context.viewer, input.id if input else None), "customModule")

    @strawberry.mutation(description="Copies a question right after itself in the same form.")
    def copyCustomModule(  # noqa: N802
        self, info: Info, input: inputs.CopyCustomModuleInput | None = None
    ) -> payloads.CopyCustomModulePayload | None:
        return run(payloads.CopyCustomModulePayload,
                   lambda: services.copy_module(info.context.viewer, input.id if input else None), "customModule")

    @strawberry.mutation(description="Detaches the file of a question (file_attachment_id is the question's "
                         "FileAttachment id).")
    def deleteCustomModuleFileAttachment(  # noqa: N802
        self, info: Info, input: inputs.DeleteCustomModuleFileAttachmentInput | None = None
    ) -> payloads.DeleteFileAttachmentPayload | None:
        raw_id = input.file_attachment_id if input else None
        return run(payloads.DeleteFileAttachmentPayload,
                   lambda: _file_out(services.remove_file(info.context.viewer, raw_id)), "file_attachment")
