# Reference weights from R survey for tests/sampling/test_calibration_reference.py.
# Run from this folder:  Rscript r_survey_reference.R
# Every weights column below is written with 17 significant digits.
library(survey)
data(api)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
pop.totals <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)

# postStratify(dclus1, ~stype, pop.types)
w_post <- weights(postStratify(dclus1, ~stype, pop.types))
# rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide)), run to convergence
w_rake <- weights(rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
                       control = list(maxit = 1000, epsilon = 1e-13, verbose = FALSE)))
# calibrate(dclus1, ~stype + api99, pop.totals)  (linear, chi-square distance, GREG)
w_linear <- weights(calibrate(dclus1, ~stype + api99, pop.totals,
                              epsilon = 1e-13, maxit = 500))
# calibrate(dclus1, ~stype + api99, pop.totals, bounds = c(0.5, 1.7))  (truncated linear)
w_trunc <- weights(calibrate(dclus1, ~stype + api99, pop.totals, bounds = c(0.5, 1.7),
                             epsilon = 1e-13, maxit = 500))
# calibrate(dclus1, ~stype + api99, pop.totals, calfun = "logit", bounds = c(0.7, 1.7))
w_logit <- weights(calibrate(dclus1, ~stype + api99, pop.totals, calfun = "logit",
                             bounds = c(0.7, 1.7), epsilon = 1e-13, maxit = 500))
# calibrate(dclus1, ~stype + api99, pop.totals, calfun = "raking")
w_exp <- weights(calibrate(dclus1, ~stype + api99, pop.totals, calfun = "raking",
                           epsilon = 1e-13, maxit = 500))
out <- data.frame(
  snum = apiclus1$snum, dnum = apiclus1$dnum, stype = apiclus1$stype,
  sch_wide = apiclus1$sch.wide, api99 = apiclus1$api99, pw = apiclus1$pw,
  w_post = w_post, w_rake = w_rake, w_linear = w_linear, w_trunc = w_trunc,
  w_logit = w_logit, w_raking_calfun = w_exp
)
write.csv(format(out, digits = 17), "apiclus1_r_survey.csv", row.names = FALSE, quote = FALSE)
cat(R.version.string, "survey", as.character(packageVersion("survey")), "\n")
