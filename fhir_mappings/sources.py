"""Every source the rules cite, one constant each: the full reference with its section
or table, a short label for card links, and a DOI or URL.

``docs/clinical-sources.md`` lists the same sources with what was read of each; a test
keeps the two in step. A number in ``fhir_mappings.rulesets`` names its source here.
"""

from __future__ import annotations

from fhir_mappings.findings import Citation

# --- Guidelines ---------------------------------------------------------------------------

KDIGO_2024_LN = Citation(
    "KDIGO 2024 Clinical Practice Guideline for the Management of Lupus Nephritis, "
    "Kidney Int 2024;105(1S):S1-S69, chapter 10, section 10.2 (the figure of response "
    "criteria; initial therapy of class III/IV, Rec 10.2.3.1.1)",
    "https://doi.org/10.1016/j.kint.2023.09.002",
    "KDIGO 2024 LN, ch. 10",
)
KDIGO_2024_LN_CNI = Citation(
    "KDIGO 2024 Lupus Nephritis guideline, Rec 10.2.3.1.1 (MPAA with a calcineurin "
    "inhibitor) and its figure on voclosporin: eGFR > 45 mL/min/1.73 m2",
    "https://doi.org/10.1016/j.kint.2023.09.002",
    "KDIGO 2024 LN, Rec 10.2.3.1.1",
)
KDIGO_2012_GN = Citation(
    "KDIGO 2012 Clinical Practice Guideline for Glomerulonephritis, chapter 12 (lupus "
    "nephritis), Kidney Int Suppl 2012;2:221-232",
    "https://doi.org/10.1038/kisup.2012.25",
    "KDIGO 2012 GN, ch. 12",
)
KDIGO_2012_FLARE = Citation(
    "KDIGO 2012 Glomerulonephritis guideline, chapter 12, Table 29: criteria for the "
    "diagnosis and classification of relapses of lupus nephritis",
    "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC4089588/",
    "KDIGO 2012 GN, Table 29",
)
KDIGO_2012_CKD = Citation(
    "KDIGO 2012 Clinical Practice Guideline for the Evaluation and Management of CKD, "
    "chapter 1, Table 5: GFR category G5 < 15 mL/min/1.73 m2 = kidney failure; CKD = "
    "abnormalities present for more than 3 months",
    "https://kdigo.org/guidelines/ckd-evaluation-and-management/",
    "KDIGO 2012 CKD, Table 5",
)
KDIGO_2012_AKI = Citation(
    "KDIGO 2012 Clinical Practice Guideline for Acute Kidney Injury, section 2, Table 2: "
    "stage 2 = serum creatinine 2.0-2.9 times baseline",
    "https://kdigo.org/guidelines/acute-kidney-injury/",
    "KDIGO 2012 AKI, Table 2",
)
EULAR_2019_LN = Citation(
    "2019 Update of the joint EULAR/ERA-EDTA recommendations for the management of lupus "
    "nephritis (Fanouriakis et al., Ann Rheum Dis 2020;79:713-723)",
    "https://doi.org/10.1136/annrheumdis-2020-216924",
    "EULAR/ERA-EDTA 2019",
)
ACR_2024_LN = Citation(
    "2024 American College of Rheumatology Guideline for the Screening, Treatment, and "
    "Management of Lupus Nephritis (guideline summary): repeat biopsy, refractory disease, "
    "adherence and dose as the first step",
    "https://rheumatology.org/lupus-nephritis-guideline",
    "ACR 2024 LN",
)
ACR_2020_REPRO = Citation(
    "2020 ACR Guideline for the Management of Reproductive Health in Rheumatic and "
    "Musculoskeletal Diseases (Sammaritano et al., Arthritis Rheumatol 2020;72:529-556): "
    "medications compatible with pregnancy, mycophenolate and cyclophosphamide stopped "
    "before conception, contraception with mycophenolate, GnRH agonist with monthly IV "
    "cyclophosphamide",
    "https://doi.org/10.1002/art.41191",
    "ACR 2020 reproductive health",
)
EULAR_2017_WOMEN = Citation(
    "EULAR recommendations for women's health and family planning in SLE and/or APS "
    "(Andreoli et al., Ann Rheum Dis 2017;76:476-485): GnRH analogues before alkylating "
    "agents",
    "https://doi.org/10.1136/annrheumdis-2016-209770",
    "EULAR 2017 women's health",
)
CTFG_2020 = Citation(
    "Clinical Trial Facilitation and Coordination Group, Recommendations related to "
    "contraception and pregnancy testing in clinical trials, v1.1 (2020): woman of "
    "child-bearing potential",
    "https://www.hma.eu/about-hma/working-groups/clinical-trials-coordination-group.html",
    "CTFG 2020",
)
ACOG_TERM = Citation(
    "ACOG/SMFM Committee Opinion 579, Definition of term pregnancy (Obstet Gynecol "
    "2013;122:1139-40): postterm = 42 0/7 weeks and beyond",
    "https://www.smfm.org/publications/148-definition-of-term-pregnancy",
    "ACOG/SMFM CO 579",
)
PQA_PDC = Citation(
    "Pharmacy Quality Alliance, adherence measures: proportion of days covered, standard "
    "threshold 80 %",
    "https://www.pqaalliance.org/adherence-measures",
    "PQA, PDC 80 %",
)

# --- Drug labels ----------------------------------------------------------------------------

LABEL_MYCOPHENOLATE = Citation(
    "CellCept (mycophenolate mofetil) US prescribing information: boxed warning "
    "(embryofetal toxicity; females of reproductive potential counselled on pregnancy "
    "prevention and planning), 8.3; Medication Guide: pregnancy tests before starting and "
    "8-10 days later, contraception during therapy and for 6 weeks after",
    "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=37241e87-4af4-4dc3-a1aa-ea6f20d8dc40",
    "CellCept label",
)
LABEL_MYCOPHENOLIC_ACID = Citation(
    "Myfortic (mycophenolic acid delayed-release) US prescribing information: boxed "
    "warning (embryofetal toxicity), 8.3 pregnancy planning: pregnancy tests immediately "
    "before starting and 8-10 days later, contraception during therapy and for 6 weeks "
    "after (the mycophenolate REMS shared with CellCept)",
    "https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=myfortic",
    "Myfortic label",
)
LABEL_MYCOPHENOLATE_NEUTROPENIA = Citation(
    "CellCept (mycophenolate mofetil) US prescribing information, 5.4 neutropenia: if "
    "neutropenia develops (ANC < 1.3 x 10^3/uL), interrupt or reduce the dose",
    "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=37241e87-4af4-4dc3-a1aa-ea6f20d8dc40",
    "CellCept label 5.4",
)
LABEL_CYCLOPHOSPHAMIDE = Citation(
    "Cyclophosphamide US prescribing information: 5.1 myelosuppression and infections, "
    "embryo-fetal toxicity (effective contraception during treatment and for up to 1 year "
    "after), reproductive system toxicity; UK SmPC: contraindicated in acute infections",
    "https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=cyclophosphamide",
    "Cyclophosphamide label",
)
LABEL_RITUXIMAB = Citation(
    "Rituxan (rituximab) US prescribing information, warnings: serious infections; "
    "not recommended in patients with severe, active infections; HBV screening",
    "https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=rituxan",
    "Rituxan label",
)
LABEL_OBINUTUZUMAB = Citation(
    "Gazyva (obinutuzumab) US prescribing information, warnings: do not administer to "
    "patients with an active infection; HBV screening",
    "https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=gazyva",
    "Gazyva label",
)
LABEL_BELIMUMAB = Citation(
    "Benlysta (belimumab) US prescribing information: 2.2-2.3 lupus nephritis dosing (IV "
    "10 mg/kg every 2 weeks x 3 then every 4 weeks; SC 400 mg weekly x 4 then 200 mg "
    "weekly); serious infections: caution, consider interrupting with a new infection",
    "https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=benlysta",
    "Benlysta label",
)
LABEL_VOCLOSPORIN = Citation(
    "Lupkynis (voclosporin) US prescribing information, sections 2.1-2.3: not recommended "
    "with a baseline eGFR <= 45 mL/min/1.73 m2; 23.7 mg twice daily with MMF",
    "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=9f489295-1156-52c7-5fd0-5c4c52f9b813",
    "Lupkynis label",
)

# --- Trials, cohorts, reviews ---------------------------------------------------------------

KRONBICHLER_2019 = Citation(
    "Kronbichler A et al. Refractory lupus nephritis: when, why and how to treat. "
    "Autoimmun Rev 2019;18:510-518 (the review whose algorithm the service follows)",
    "https://doi.org/10.1016/j.autrev.2019.03.004",
    "Refractory LN review 2019",
)
MORONI_2022 = Citation(
    "Moroni G et al. Lupus Sci Med 2022;9:e000721, Table 1: kidney function impairment = "
    "eGFR fall >= 30 % confirmed by repeated values; nephritic flare = creatinine rise >= 30 %",
    "https://doi.org/10.1136/lupus-2022-000721",
    "Moroni 2022, Table 1",
)
EUROLUPUS_2002 = Citation(
    "Houssiau FA et al. The Euro-Lupus Nephritis Trial (Arthritis Rheum 2002;46:2121-31): "
    "cyclophosphamide 500 mg IV every 2 weeks x 6",
    "https://pubmed.ncbi.nlm.nih.gov/?term=Euro-Lupus+Nephritis+Trial+low-dose+versus+high-dose+intravenous+cyclophosphamide",
    "Euro-Lupus 2002",
)
MAINTAIN_2010 = Citation(
    "Houssiau FA et al. The MAINTAIN Nephritis Trial (Ann Rheum Dis 2010;69:2083-9): "
    "maintenance with MMF 2 g/day or azathioprine 2 mg/kg/day",
    "https://doi.org/10.1136/ard.2010.131995",
    "MAINTAIN 2010",
)
LIU_2015 = Citation(
    "Liu Z et al. Multitarget therapy for induction treatment of lupus nephritis (Ann "
    "Intern Med 2015;162:18-26): tacrolimus 4 mg/day with MMF 1 g/day",
    "https://pubmed.ncbi.nlm.nih.gov/25383558/",
    "Liu 2015 (multitarget)",
)
SALVADORI_2004 = Citation(
    "Salvadori M et al. Am J Transplant 2004;4:231-6: enteric-coated mycophenolate sodium "
    "720 mg twice daily is equivalent to MMF 1000 mg twice daily",
    "https://pubmed.ncbi.nlm.nih.gov/14974944/",
    "Salvadori 2004",
)
VAN_GELDER_2015 = Citation(
    "van Gelder T, Berden JH, Berger S. To TDM or not to TDM in lupus nephritis patients "
    "treated with MMF? (Nephrol Dial Transplant 2015;30:560-4): pre-dose MPA >= 3.0 mg/L, "
    "AUC 35-45 mg.h/L; assess exposure before concluding that MPA has failed",
    "https://doi.org/10.1093/ndt/gfu184",
    "van Gelder 2015 (MPA TDM)",
)
TDM_LN_2015 = Citation(
    "Therapeutic drug monitoring of mycophenolic acid in lupus nephritis: a review (Ther "
    "Drug Monit 2015;37:711-7): AUC threshold 30-45 mg.h/L, trough 3 mg/L",
    "https://doi.org/10.1097/FTD.0000000000000223",
    "MPA TDM review 2015",
)
CHEN_2008 = Citation(
    "Chen YE et al. Value of a complete or partial remission in severe lupus nephritis "
    "(Clin J Am Soc Nephrol 2008;3:46-53): 10-year renal survival 94 % complete, 45 % "
    "partial, 19 % no remission (remission defined by that study)",
    "https://doi.org/10.2215/CJN.03280807",
    "Chen 2008",
)
KORBET_2012 = Citation(
    "Korbet SM, Lewis EJ. Complete remission in severe lupus nephritis: assessing the rate "
    "of loss in proteinuria (Nephrol Dial Transplant 2012;27:2813-9): half of complete "
    "remissions came after 12 months",
    "https://doi.org/10.1093/ndt/gfr741",
    "Korbet 2012",
)
MALVAR_2017 = Citation(
    "Malvar A et al. Histologic versus clinical remission in proliferative lupus nephritis "
    "(Nephrol Dial Transplant 2017;32:1338-44): a third of complete clinical responders "
    "had high histologic activity",
    "https://pubmed.ncbi.nlm.nih.gov/?term=Histologic+versus+clinical+remission+in+proliferative+lupus+nephritis",
    "Malvar 2017",
)
MOSTELLER_1987 = Citation(
    "Mosteller RD. Simplified calculation of body-surface area. N Engl J Med 1987;317:1098",
    "https://pubmed.ncbi.nlm.nih.gov/?term=Mosteller+Simplified+calculation+of+body-surface+area",
    "Mosteller 1987",
)
LUNAR_2012 = Citation(
    "Rovin BH et al. Efficacy and safety of rituximab in patients with active proliferative "
    "lupus nephritis: the LUNAR study (Arthritis Rheum 2012;64:1215-26): rituximab 1000 mg "
    "on days 1, 15, 168 and 182 with MMF",
    "https://doi.org/10.1002/art.34359",
    "LUNAR 2012",
)
NOBILITY = Citation(
    "NOBILITY trial of obinutuzumab in lupus nephritis (NCT02550652): obinutuzumab 1000 mg "
    "IV on days 1, 15, 168 and 182 with MMF",
    "https://clinicaltrials.gov/study/NCT02550652",
    "NOBILITY (NCT02550652)",
)
BLANCHET_2020 = Citation(
    "Blanchet B et al. Hydroxychloroquine levels in patients with SLE: whole blood is "
    "preferable but serum levels also detect non-adherence (Arthritis Res Ther 2020;22:223): "
    "non-adherence = whole-blood hydroxychloroquine < 200 ng/mL",
    "https://doi.org/10.1186/s13075-020-02291-z",
    "Blanchet 2020 (HCQ levels)",
)
