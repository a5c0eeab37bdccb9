"""Reference values from R's survey package on the API samples.

Every number below was printed by R 4.2.2 with survey 4.1-1 (Debian r-cran-survey
4.1-1-1) from the designs

.. code-block:: r

    library(survey); data(api)
    dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
    dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
    dclus2 <- svydesign(id=~dnum+snum, weights=~pw, data=apiclus2)
    ds <- svydesign(id=~1, weights=~pw, strata=~dnum, data=apiclus1)  # lonely strata
    jk1 <- as.svrepdesign(dclus1, type="JK1")
    jkn <- as.svrepdesign(dstrat, type="JKn")
    jknm <- as.svrepdesign(dstrat, type="JKn", mse=TRUE)
    ms <- function(m) c(coef(m), SE(m), deff(m))
    by3 <- function(b) c(coef(b), SE(b), b[, ncol(b)])      # estimates, SEs, DEff
    ci <- function(m) c(coef(m), SE(m), attr(m, "ci"))
    fmt <- function(x) paste(sprintf("%.17g", unname(as.numeric(x))), collapse=", ")

with ``options(survey.lonely.psu=<rule>)`` set before the ``lonely_<rule>_*`` lines; the
command that produced each tuple is written beside it (``cat(fmt(<command>))``).
"""

R: dict[str, tuple[float, ...]] = {
    # R: ms(svymean(~api00, dstrat, deff='replace'))
    "strat_mean_api00": (662.28736315932076, 9.4089408027845796, 1.1655661714535261),
    # R: ms(svytotal(~enroll, dstrat, deff='replace'))
    "strat_total_enroll": (3687177.5324382782, 114641.71610078029, 0.35032880609553407),
    # R: by3(svyby(~api00, ~stype, dstrat, svymean, deff='replace'))
    "strat_by_stype": (
        674.42999999999995,
        625.81999999999994,
        636.60000000000002,
        12.382479793907287,
        14.937129185393079,
        16.214707308184522,
        0.97738068310337034,
        0.93377483443708598,
        0.95088408644400779,
    ),
    # R: by3(svyby(~api00, ~awards, dstrat, svymean, deff='replace'))
    "strat_by_awards": (
        633.734911659413,
        678.42240561443805,
        15.334770976045009,
        11.856630987444285,
        1.3056534684841739,
        1.1102042643301504,
    ),
    # R: by3(svyby(~enroll, ~awards, dstrat, svytotal, deff='replace'))
    "strat_total_by_awards": (
        1627217.1322956085,
        2059960.4001426697,
        144256.00986062668,
        140944.74576445037,
        1.0772503705616865,
        1.4013794660035956,
    ),
    # R: c(degf(subset(dstrat, awards=='No')), degf(subset(dstrat, awards=='Yes')))
    "strat_degf_awards": (84.0, 110.0),
    # R: ci(svyciprop(~I(sch.wide=='Yes'), dstrat, method='xlogit'))
    "strat_ciprop_xlogit": (
        0.82794801141582341,
        0.024344780113074775,
        0.77453965474676822,
        0.87081485494359867,
    ),
    # R: ci(svyciprop(~I(sch.wide=='Yes'), dstrat, method='logit'))
    "strat_ciprop_logit": (
        0.82794801100195747,
        0.024344780113074775,
        0.77453965435156813,
        0.87081485454450869,
    ),
    # R: ci(svyciprop(~I(sch.wide=='Yes'), dstrat, method='beta'))
    "strat_ciprop_beta": (
        0.82794801141582341,
        0.024344780113074775,
        0.77417132859731252,
        0.87343159262073522,
    ),
    # R: ci(svyciprop(~I(sch.wide=='Yes'), subset(dstrat, awards=='No'), method='beta'))
    "strat_ciprop_beta_no": (
        0.52348608804763663,
        0.057642026099279924,
        0.4049055377065317,
        0.64015591556624685,
    ),
    # R: ci(svyciprop(~I(sch.wide=='Yes'), subset(dstrat, awards=='No'), method='xlogit'))
    "strat_ciprop_xlogit_no": (
        0.52348608804763663,
        0.057642026099279924,
        0.40962633237679541,
        0.63495590111202715,
    ),
    # R: ci(svyciprop(~I(sch.wide=='Yes'), subset(dstrat, awards=='Yes'), method='beta'))
    "strat_ciprop_beta_yes": (1.0, 0.0, float("nan"), float("nan")),
    # R: ms(svymean(~api00, dclus1, deff='replace'))
    "clus1_mean_api00": (644.16939890710387, 23.542240693781039, 9.0697483624530619),
    # R: ms(svytotal(~enroll, dclus1, deff='replace'))
    "clus1_total_enroll": (3404940.1345291138, 932235.02704121522, 30.38559155361413),
    # R: by3(svyby(~api00, ~stype, dclus1, svymean, deff='replace'))
    "clus1_by_stype": (
        648.86805555555554,
        618.57142857142856,
        631.44000000000005,
        22.362408893831891,
        38.020249359407529,
        31.609465227245526,
        6.389160739750201,
        2.162426021156548,
        2.0999679105801525,
    ),
    # R: c(coef(svyratio(~api.stu, ~enroll, dclus1)), SE(svyratio(~api.stu, ~enroll, dclus1)))
    "clus1_ratio": (0.84970874172448752, 0.0083862971693910889),
    # R: ci(svyciprop(~I(sch.wide=='Yes'), subset(dclus1, stype=='E'), method='xlogit'))
    "clus1_ciprop_xlogit_E": (
        0.91666666666666663,
        0.020984278952490824,
        0.8592065370564026,
        0.95198680147212644,
    ),
    # R: degf(subset(dclus1, stype=='E'))
    "clus1_degf_E": (14.0,),
    # R: c(coef(svymean(~api00, jk1)), SE(svymean(~api00, jk1)))
    "clus1_jk1_mean": (644.16939890710387, 26.329360589527614),
    # R: {b <- svyby(~api00, ~stype, jk1, svymean); c(coef(b), SE(b))}
    "clus1_jk1_by_stype": (
        648.86805555555554,
        618.57142857142856,
        631.44000000000005,
        25.374303552398235,
        46.344121745185973,
        33.687619998631355,
    ),
    # R: c(coef(svytotal(~enroll, jk1)), SE(svytotal(~enroll, jk1)))
    "clus1_jk1_total": (3404940.1345291138, 932235.02704121498),
    # R: {r <- svyratio(~api.stu, ~enroll, jk1); c(coef(r), SE(r))}
    "clus1_jk1_ratio": (0.84970874172448763, 0.0095170851756147205),
    # R: ms(svymean(~api00, dclus2, deff='replace'))
    "clus2_mean_api00": (670.8118081180811, 30.711576309328848, 6.3476375041481958),
    # R: ms(svymean(~acs.k3, dclus2, na.rm=TRUE, deff='replace'))
    "clus2_mean_acsk3": (19.24074074074074, 0.1905838590916355, 1.6097584073914677),
    # R: ms(svytotal(~enroll, dclus2, na.rm=TRUE, deff='replace'))
    "clus2_total_enroll": (2639272.9300000002, 820261.14647675783, 24.848921623036411),
    # R: by3(svyby(~api00, ~stype, dclus2, svymean, deff='replace'))
    "clus2_by_stype": (
        692.81040086673897,
        598.34065934065927,
        642.35199999999998,
        30.282439544194325,
        16.964995298822767,
        45.343633460027306,
        3.9444399263955252,
        0.59170709137536159,
        2.6392656992658665,
    ),
    # R: c(coef(svymean(~api00, jkn)), SE(svymean(~api00, jkn)))
    "strat_jkn_mean": (662.28736315932076, 9.4089408027846098),
    # R: {b <- svyby(~api00, ~awards, jkn, svymean); c(coef(b), SE(b))}
    "strat_jkn_by_awards": (
        633.73491165941311,
        678.42240561443805,
        15.529998125120695,
        11.89254659476072,
    ),
    # R: c(coef(svytotal(~enroll, jkn)), SE(svytotal(~enroll, jkn)))
    "strat_jkn_total": (3687177.5324382782, 114641.71610078032),
    # R: {b <- svyby(~api00, ~awards, jknm, svymean); c(coef(b), SE(b))}
    "strat_jkn_mse_by_awards": (
        633.73491165941311,
        678.42240561443805,
        15.530002140790973,
        11.892546594820118,
    ),
    # R: ms(svymean(~api00, ds, deff='replace'))
    "lonely_remove_mean": (644.16939890710387, 5.8057775782763006, 0.55159514418024735),
    # R: by3(svyby(~api00, ~stype, ds, svymean, deff='replace'))
    "lonely_remove_by_stype": (
        648.86805555555554,
        618.57142857142856,
        631.44000000000005,
        7.7000427400086551,
        23.419057798130108,
        20.817079811991601,
        0.75751793113600285,
        0.82044632455092736,
        0.91078941779398104,
    ),
    # R: {r <- as.svrepdesign(ds); c(coef(svymean(~api00, r)), SE(svymean(~api00, r)))}
    "lonely_remove_jkn_mean": (644.16939890710387, 5.8057775782764383),
    # R: {r <- as.svrepdesign(ds); c(coef(svytotal(~enroll, r)), SE(svytotal(~enroll, r)))}
    "lonely_remove_jkn_total": (3404940.1345291138, 161732.90244705547),
    # R: ms(svymean(~api00, ds, deff='replace'))
    "lonely_certainty_mean": (644.16939890710387, 5.8057775782763006, 0.55159514418024735),
    # R: by3(svyby(~api00, ~stype, ds, svymean, deff='replace'))
    "lonely_certainty_by_stype": (
        648.86805555555554,
        618.57142857142856,
        631.44000000000005,
        7.7000427400086551,
        23.419057798130108,
        20.817079811991601,
        0.75751793113600285,
        0.82044632455092736,
        0.91078941779398104,
    ),
    # R: {r <- as.svrepdesign(ds); c(coef(svymean(~api00, r)), SE(svymean(~api00, r)))}
    "lonely_certainty_jkn_mean": (644.16939890710387, 5.8057775782764383),
    # R: {r <- as.svrepdesign(ds); c(coef(svytotal(~enroll, r)), SE(svytotal(~enroll, r)))}
    "lonely_certainty_jkn_total": (3404940.1345291138, 161732.90244705547),
    # R: ms(svymean(~api00, ds, deff='replace'))
    "lonely_adjust_mean": (644.16939890710387, 5.8280579016485285, 0.55583688427573896),
    # R: by3(svyby(~api00, ~stype, ds, svymean, deff='replace'))
    "lonely_adjust_by_stype": (
        648.86805555555554,
        618.57142857142856,
        631.44000000000005,
        7.7299785084864885,
        23.419057798130108,
        20.817079811991601,
        0.76341944703332365,
        0.82044632455092736,
        0.91078941779398104,
    ),
    # R: {r <- as.svrepdesign(ds); c(coef(svymean(~api00, r)), SE(svymean(~api00, r)))}
    "lonely_adjust_jkn_mean": (644.16939890710387, 5.8266880114569934),
    # R: {r <- as.svrepdesign(ds); c(coef(svytotal(~enroll, r)), SE(svytotal(~enroll, r)))}
    "lonely_adjust_jkn_total": (3404940.1345291138, 276885.75472122832),
    # R: ms(svymean(~api00, ds, deff='replace'))
    "lonely_average_mean": (644.16939890710387, 6.0095507279558005, 0.59099479733597926),
    # R: by3(svyby(~api00, ~stype, ds, svymean, deff='replace'))
    "lonely_average_by_stype": (
        648.86805555555554,
        618.57142857142856,
        631.44000000000005,
        7.9703014505161596,
        23.419057798130108,
        20.817079811991601,
        0.81162635478857459,
        0.82044632455092736,
        0.91078941779398104,
    ),
    # R: {r <- as.svrepdesign(ds); c(coef(svymean(~api00, r)), SE(svymean(~api00, r)))}
    "lonely_average_jkn_mean": (644.16939890710387, 5.8217056674066088),
    # R: {r <- as.svrepdesign(ds); c(coef(svytotal(~enroll, r)), SE(svytotal(~enroll, r)))}
    "lonely_average_jkn_total": (3404940.1345291138, 162176.61494735806),
    # R: tryCatch({svymean(~api00, ds); 0}, error=function(e) 1)
    "lonely_fail_message": (1.0,),
    # R: c(coef(svymean(~api00, dsf)), SE(svymean(~api00, dsf)))
    "lonely_fpc_fail_ok": (644.16939890710387, 5.7343956552765434),
}
