#!/usr/bin/env bash
# The two stages of a GitOps pipeline for a repository of ncplan configuration. The GitHub
# Actions workflow (github/ncplan.yml) and the GitLab CI file (gitlab-ci.yml) both call this
# script, so the steps are the same everywhere (README.md beside it explains the flow).
#
#   pipeline.sh pr      on a pull/merge request: fmt -check (exit 3 when a file is not in
#                       the canonical style); validate; plan --out the plan file with
#                       --detailed-exitcode; write the saved plan as Markdown for the comment;
#                       report changes=true|false. Exit 1 when validate or plan fails.
#   pipeline.sh apply   on merge: apply the saved plan file of that request, exactly; ncplan
#                       refuses a stale plan (the state or the configuration changed since)
#                       and the stage exits 1 saying why.
#
# Settings (environment):
#   NCPLAN               the ncplan command                       (default: ncplan)
#   NCPLAN_DIR           the configuration directory              (default: .)
#   NCPLAN_PLAN          the plan file                            (default: ncplan.plan)
#   NCPLAN_COMMENT       the Markdown comment file                (default: ncplan-plan.md)
#   NCPLAN_DOTENV        a dotenv file with NCPLAN_CHANGES=true|false (default: ncplan.env),
#                        for GitLab's artifacts:reports:dotenv
#   NCPLAN_CHANGES_EXIT  the pr stage's exit code when the plan has changes (default: 0;
#                        GitLab sets 2 with allow_failure:exit_codes to mark the job)
#   GITHUB_OUTPUT        set by GitHub Actions: changes=true|false is appended to it
#   NOMAD_ADDR, CONSUL_HTTP_ADDR, their tokens and CA files, NCPLAN_VAR_<name>: as for
#   ncplan itself. Variables must be the same in both stages: they are part of the plan's
#   configuration digest, so a different value makes the saved plan stale.
set -euo pipefail

ncplan_cmd=${NCPLAN:-ncplan}
config_dir=${NCPLAN_DIR:-.}
plan_file=${NCPLAN_PLAN:-ncplan.plan}
comment_file=${NCPLAN_COMMENT:-ncplan-plan.md}
dotenv_file=${NCPLAN_DOTENV:-ncplan.env}
changes_exit=${NCPLAN_CHANGES_EXIT:-0}

ncplan() {
    # `command`: the default NCPLAN, "ncplan", is the program on PATH, never this function
    # (without it the function calls itself until the shell runs out of memory).
    # shellcheck disable=SC2086  # NCPLAN may be a command with arguments (python3 -m ncplan)
    command $ncplan_cmd -C "$config_dir" "$@"
}

record_changes() {
    local changes=$1
    echo "changes=$changes"
    echo "NCPLAN_CHANGES=$changes" > "$dotenv_file"
    if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
        echo "changes=$changes" >> "$GITHUB_OUTPUT"
    fi
}

stage_pr() {
    echo "--- ncplan fmt -check"
    ncplan fmt -check  # exit 3 and the files' names when one needs `ncplan fmt`
    echo "--- ncplan validate"
    ncplan validate
    echo "--- ncplan plan --out $plan_file --detailed-exitcode"
    local code=0
    ncplan plan --out "$plan_file" --detailed-exitcode || code=$?
    local changes
    case $code in
        0) changes=false ;;
        2) changes=true ;;
        *) echo "ncplan plan failed (exit $code)" >&2
           exit 1 ;;
    esac
    # The comment shows the saved plan, the one the apply stage will carry out.
    ncplan show "$plan_file" --markdown > "$comment_file"
    echo "--- wrote $comment_file"
    record_changes "$changes"
    if [[ $changes == true ]]; then
        exit "$changes_exit"
    fi
}

stage_apply() {
    if [[ ! -f "$plan_file" ]]; then
        echo "no plan file $plan_file: the apply stage needs the pr stage's saved plan" >&2
        exit 1
    fi
    echo "--- ncplan apply --rollback-on-failure $plan_file"
    ncplan apply --rollback-on-failure "$plan_file"
}

case "${1:-}" in
    pr) stage_pr ;;
    apply) stage_apply ;;
    *) echo "usage: $0 pr|apply" >&2
       exit 1 ;;
esac
