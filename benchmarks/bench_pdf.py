"""The session record PDF of a 4-hour infusion: how long it takes to render.

Charts a whole 4-hour session through the services into a fresh SQLite database (check-in,
a start and three rate changes, a bolus, vital signs every 15 minutes with one alert, a
side effect and a rescue medicine, the stop, the Aldrete score, discharge, sign-off), then
times, each the median of several runs: the session's state (the queries and the replay),
the chart's data (the PK prediction), the chart (matplotlib to SVG), and the whole PDF
(``infusions.pdf.session_pdf``: all of it plus the template and WeasyPrint). Wall time
and the process's CPU time are both printed: on a shared machine the CPU time is the
steadier figure.

Run: ``make bench`` (all benchmarks) or ``.venv/bin/python benchmarks/bench_pdf.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

REPEATS = int(os.environ.get("BENCH_PDF_REPEATS", "5"))


def main() -> None:
    var = tempfile.mkdtemp(prefix="ketaclinic-bench-pdf-")
    os.environ.update(KETACLINIC_VAR_DIR=var, KETACLINIC_DEV="1", HTTPS="False")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from ketaclinic.infusions import services
    from ketaclinic.infusions.charts import session_chart_data
    from ketaclinic.infusions.pdf import session_pdf
    from ketaclinic.lib.charts import svg_text
    from ketaclinic.lib.session_charts import session_figure

    call_command("migrate", verbosity=0)
    session = _four_hour_session()
    state = services.session_state(session)
    patient = session.patient
    print(
        f"session record PDF, 4-hour session: {len(state.entries)} entries, "
        f"{len(state.vitals)} sets of vital signs, {state.delivered.total_mg:.1f} mg"
    )
    session_pdf(state, patient)  # the first render loads WeasyPrint and the fonts
    pdf = session_pdf(state, patient)
    steps: dict[str, Callable[[], Any]] = {
        "state (queries, replay)": lambda: services.session_state(session),
        "chart data (PK prediction)": lambda: session_chart_data(state),
        "chart (matplotlib to SVG)": lambda: svg_text(session_figure(session_chart_data(state))),
        "whole PDF (session_pdf)": lambda: session_pdf(state, patient),
    }
    print(f"  load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; wall and CPU time:")
    for label, step in steps.items():
        wall, cpu = [], []
        for _ in range(REPEATS):
            start, start_cpu = time.perf_counter(), time.process_time()
            step()
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        print(
            f"  {label:<28} median {statistics.median(wall) * 1e3:6.0f} ms"
            f"   max {max(wall) * 1e3:6.0f} ms   CPU median {statistics.median(cpu) * 1e3:6.0f} ms"
        )
    print(f"  PDF size {len(pdf) / 1024:.0f} KiB")


def _four_hour_session() -> Any:
    from django.utils import timezone

    from ketaclinic.accounts.models import Clinic
    from ketaclinic.accounts.roles import Role
    from ketaclinic.conftest import PASSWORD, make_patient, make_user
    from ketaclinic.infusions import services
    from ketaclinic.infusions.tests.helpers import ALDRETE_10, NORMAL, open_session
    from ketaclinic.patients.models import Condition
    from ketacore.infusion.care import VitalSigns

    clinic = Clinic.objects.create(name="Bench clinic")
    physician = make_user(clinic, "bench.physician", Role.PHYSICIAN)
    nurse = make_user(clinic, "bench.nurse", Role.NURSE)
    patient = make_patient(clinic)  # as the tests' Ada: CRPS, with a portal account
    Condition.objects.create(patient=patient, icd10_code="G90.521", description="CRPS I")
    patient.portal_user = make_user(clinic, "bench.patient", Role.PATIENT)
    patient.save()
    session = open_session(patient, physician, nurse, kg=70)
    now = timezone.now()

    def at(minute: float) -> dt.datetime:  # minutes from the start, which was 4.5 hours ago
        return now - dt.timedelta(minutes=270 - minute)

    services.check_in(
        nurse,
        session,
        consent=True,
        fasted=True,
        escort=True,
        pregnancy="negative_test",
        weight_kg=70,
        vitals=NORMAL,
        occurred_at=at(-10),
    )
    pump = services.record_pump_event
    pump(nurse, session, "start", rate_mg_per_h=14, occurred_at=at(0))
    for minute, rate in ((30, 28.0), (60, 35.0), (120, 42.0)):
        pump(
            nurse,
            session,
            "rate_change",
            rate_mg_per_h=rate,
            reason="Titrated to pain",
            occurred_at=at(minute),
        )
    pump(nurse, session, "bolus", dose_mg=5, occurred_at=at(90))
    for minute in range(15, 256, 15):
        high = minute == 45
        _, alerts = services.record_vitals(
            nurse,
            session,
            VitalSigns(186 if high else 128, 92 if high else 80, 80, 97, 14),
            occurred_at=at(minute),
        )
        for alert in alerts:
            services.acknowledge(nurse, alert, action_taken="Rate held; repeat BP normal")
    services.record_side_effect(
        nurse,
        session,
        effect="nausea",
        severity="mild",
        interventions=["rescue"],
        occurred_at=at(100),
    )
    services.record_rescue(
        nurse, session, drug="Ondansetron", dose="4 mg", route="IV", occurred_at=at(101)
    )
    pump(nurse, session, "stop", occurred_at=at(240))
    services.record_score(nurse, session, "aldrete", ALDRETE_10, occurred_at=at(260))
    services.discharge(nurse, session, escort_present=True, occurred_at=at(265))
    services.sign_off(physician, session, password=PASSWORD)
    return session


if __name__ == "__main__":
    main()
