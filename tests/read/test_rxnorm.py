"""RxNorm table and the name/brand text matcher."""

from __future__ import annotations

import pytest

from fhir_mappings.codes.rxnorm import (
    INGREDIENT_CODES,
    RXNORM_PRODUCTS,
    TEXT_NAMES,
    agent_for_text,
    is_rxnorm,
    normalise_text,
    product_for_code,
)
from fhir_mappings.facts import Agent, Route


class TestTable:
    def test_codes_unique(self) -> None:
        """Every RxNorm code appears once across ingredients and products."""
        codes = [row[0] for row in RXNORM_PRODUCTS] + list(INGREDIENT_CODES.values())
        assert len(codes) == len(set(codes))

    def test_every_row_cites_a_source(self) -> None:
        """Every product row names the table it was read in."""
        assert all(row[7] for row in RXNORM_PRODUCTS)

    def test_every_agent_has_text_names(self) -> None:
        """Every Agent can be recognised by name when no code matches."""
        assert set(TEXT_NAMES) == set(Agent)

    def test_codes_are_numeric(self) -> None:
        """RxCUIs are digit strings."""
        assert all(row[0].isdigit() for row in RXNORM_PRODUCTS)

    @pytest.mark.parametrize(
        ("code", "agent", "strength", "form", "route"),
        [
            ("200060", Agent.MYCOPHENOLATE_MOFETIL, 500.0, "tablet", Route.ORAL),
            ("199058", Agent.MYCOPHENOLATE_MOFETIL, 250.0, "capsule", Route.ORAL),
            ("311880", Agent.MYCOPHENOLATE_MOFETIL, 200.0, "oral suspension", Route.ORAL),
            ("311881", Agent.MYCOPHENOLATE_MOFETIL, 500.0, "injection", Route.INTRAVENOUS),
            ("485020", Agent.MYCOPHENOLATE_SODIUM, 180.0, "tablet", Route.ORAL),
            ("197550", Agent.CYCLOPHOSPHAMIDE, 50.0, "tablet", Route.ORAL),
            ("197388", Agent.AZATHIOPRINE, 50.0, "tablet", Route.ORAL),
            ("1657867", Agent.RITUXIMAB, 500.0, "injection", Route.INTRAVENOUS),
            ("979092", Agent.HYDROXYCHLOROQUINE, 200.0, "tablet", Route.ORAL),
            ("979094", Agent.HYDROXYCHLOROQUINE, 200.0, "tablet", Route.ORAL),
            ("312615", Agent.PREDNISONE, 20.0, "tablet", Route.ORAL),
        ],
    )
    def test_product_rows(
        self, code: str, agent: Agent, strength: float, form: str, route: Route
    ) -> None:
        """Known SCD/SBD codes give agent, strength, dose form and route."""
        product = product_for_code(code)
        assert product is not None
        assert (product.agent, product.strength_mg, product.dose_form, product.route) == (
            agent,
            strength,
            form,
            route,
        )

    @pytest.mark.parametrize(("agent", "code"), list(INGREDIENT_CODES.items()))
    def test_ingredient_codes(self, agent: Agent, code: str) -> None:
        """Ingredient codes (the RxNorm table, sources in docs/clinical-sources.md) map back
        to their agent, without a strength."""
        product = product_for_code(code)
        assert product is not None
        assert (product.agent, product.tty, product.strength_mg) == (agent, "IN", None)

    @pytest.mark.parametrize("code", ["0", "", None, 200060, "999999999"])
    def test_unknown_codes(self, code: object) -> None:
        """Unknown or non-string codes give None."""
        assert product_for_code(code) is None

    @pytest.mark.parametrize(
        ("system", "expected"),
        [
            ("http://www.nlm.nih.gov/research/umls/rxnorm", True),
            ("urn:oid:2.16.840.1.113883.6.88", True),
            ("http://snomed.info/sct", False),
            (None, False),
        ],
    )
    def test_is_rxnorm(self, system: object, expected: bool) -> None:
        """The RxNorm system URI and its OID are recognised; other systems are not."""
        assert is_rxnorm(system) is expected


class TestText:
    @pytest.mark.parametrize(
        ("text", "agent"),
        [
            ("CellCept 500 mg tablet", Agent.MYCOPHENOLATE_MOFETIL),
            ("mycophenolate mofetil 250 MG Oral Capsule", Agent.MYCOPHENOLATE_MOFETIL),
            ("Myfortic 360 mg", Agent.MYCOPHENOLATE_SODIUM),
            ("mycophenolic acid 180 MG Delayed Release Oral Tablet", Agent.MYCOPHENOLATE_SODIUM),
            ("Mycophenolate sodium EC", Agent.MYCOPHENOLATE_SODIUM),
            ("Voclosporin 7.9 MG Oral Capsule", Agent.VOCLOSPORIN),
            ("LUPKYNIS", Agent.VOCLOSPORIN),
            ("cyclosporine modified", Agent.CYCLOSPORINE),
            ("Ciclosporin", Agent.CYCLOSPORINE),
            ("Neoral 100 mg", Agent.CYCLOSPORINE),
            ("Envarsus XR 1 mg", Agent.TACROLIMUS),
            ("Solu-Medrol 500 mg", Agent.METHYLPREDNISOLONE),
            ("prednisolone 5 mg", Agent.PREDNISOLONE),
            ("predniSONE 20 MG Oral Tablet", Agent.PREDNISONE),
            ("Truxima", Agent.RITUXIMAB),
            ("Gazyva", Agent.OBINUTUZUMAB),
            ("Saphnelo 300 mg", Agent.ANIFROLUMAB),
            ("Benlysta 200 mg/mL autoinjector", Agent.BELIMUMAB),
            ("Plaquenil", Agent.HYDROXYCHLOROQUINE),
            ("Imuran", Agent.AZATHIOPRINE),
            ("Cytoxan", Agent.CYCLOPHOSPHAMIDE),
        ],
    )
    def test_names_and_brands(self, text: str, agent: Agent) -> None:
        """Generic names, synonyms and brands identify their agent."""
        assert agent_for_text(text) == agent

    @pytest.mark.parametrize(
        "text",
        ["mycophenolate 500 mg", "voclosporinx", "precyclosporine", "aspirin", "", None, 42],
    )
    def test_no_match(self, text: object) -> None:
        """Ambiguous names, partial words and non-strings match nothing."""
        assert agent_for_text(text) is None

    def test_voclosporin_is_not_cyclosporine(self) -> None:
        """Voclosporin text never reads as cyclosporine."""
        assert agent_for_text("voclosporin") is Agent.VOCLOSPORIN

    def test_normalise(self) -> None:
        """Punctuation becomes single spaces, case is folded, decimals stay."""
        assert normalise_text("Solu-Medrol®  0.5 G.") == "solu medrol 0.5 g."
