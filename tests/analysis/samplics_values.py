"""Reference values from samplics 0.6.1 (pip install samplics==0.6.1), Python 3.11.

Produced once, from the repository root, by this script (``show`` prints each tuple):

.. code-block:: python

    import warnings; warnings.simplefilter("ignore")
    import numpy as np, pandas as pd
    from samplics import TaylorEstimator, PopParam, EblupAreaModel, FitMethod
    D = "tests/analysis/data/"
    s = pd.read_csv(D + "apistrat.csv"); c = pd.read_csv(D + "apiclus1.csv")
    def show(key, values):
        print(f'    "{key}": ({", ".join(repr(float(v)) for v in values)}),')
    nh = s.groupby("stype").size(); Nh = s.groupby("stype")["fpc"].first()
    fpc = {k: 1 - nh[k] / Nh[k] for k in nh.index}
    e = TaylorEstimator(PopParam.mean)
    e.estimate(y=s["api00"], samp_weight=s["pw"], stratum=s["stype"], fpc=fpc)
    show("strat_mean_api00", [e.point_est, e.stderror])
    e = TaylorEstimator(PopParam.prop)
    e.estimate(y=s["sch.wide"], samp_weight=s["pw"], stratum=s["stype"], fpc=fpc,
               domain=s["awards"])
    show("strat_prop_schwide_by_awards", [e.point_est["No"]["Yes"],
         e.point_est["Yes"]["Yes"], e.stderror["No"]["Yes"], e.stderror["Yes"]["Yes"]])
    e = TaylorEstimator(PopParam.total)
    e.estimate(y=c["enroll"], samp_weight=c["pw"], psu=c["dnum"], fpc=1 - 15 / 757)
    show("clus1_total_enroll", [e.point_est, e.stderror])
    e = TaylorEstimator(PopParam.ratio)
    e.estimate(y=c["api.stu"], x=c["enroll"], samp_weight=c["pw"], psu=c["dnum"],
               fpc=1 - 15 / 757)
    show("clus1_ratio", [e.point_est, e.stderror])
    e = TaylorEstimator(PopParam.mean)
    e.estimate(y=c["api00"], samp_weight=c["pw"], psu=c["dnum"], fpc=1 - 15 / 757,
               domain=c["stype"])
    show("clus1_mean_by_stype", [*(e.point_est[k] for k in "EHM"),
                                 *(e.stderror[k] for k in "EHM")])
    milk = pd.read_csv(D + "milk.csv")
    X = pd.get_dummies(milk["major_area"], drop_first=True).astype(float).values
    m = EblupAreaModel(FitMethod.reml)
    m.fit(yhat=milk["direct_est"].values, X=X, area=milk["small_area"].values,
          error_std=milk["std_error"].values, intercept=True, tol=1e-14, maxiter=1000)
    m.predict(X=X, area=milk["small_area"].values, intercept=True)
    show("milk_model", [m.re_std**2, *m.fixed_effects])
    show("milk_eblup", list(m.area_est.values()))
    show("milk_mse", list(m.area_mse.values()))

``milk.csv`` is samplics' bundled ``expenditure_on_milk.csv`` (the milk data of Arora
and Lahiri 1997, also in R's sae package as ``milk``).
"""

SAMPLICS: dict[str, tuple[float, ...]] = {
    "strat_mean_api00": (662.2873631593208, 9.40894080278458),
    "strat_prop_schwide_by_awards": (0.5234860880476366, 1.0, 0.057642026099279986, 0.0),
    "clus1_total_enroll": (3404940.134529114, 932235.0270412151),
    "clus1_ratio": (0.8497087417244875, 0.008386297169391089),
    "clus1_mean_by_stype": (
        648.8680555555555,
        618.5714285714286,
        631.44,
        22.362408893831887,
        38.02024935940753,
        31.609465227245526,
    ),
    "milk_model": (
        0.018550334762766612,
        0.9681889869749644,
        0.13278030545673875,
        0.22694622452059401,
        -0.24130103994462937,
    ),
    "milk_eblup": (
        1.0219705441506146,
        1.047601951442337,
        1.0679514263042398,
        0.7608165650885206,
        0.84615704377863,
        0.9743727061127867,
        1.0584526719476242,
        1.097776256185119,
        1.2215454894456725,
        1.1951460148371855,
        0.7852149191838798,
        1.2139462053770465,
        1.2096597207932704,
        0.983496441199748,
        1.1864247095926057,
        1.1556981139211584,
        1.226341250657085,
        1.2856489886614144,
        1.2363248408545702,
        1.2349601393879972,
        1.09030162749147,
        1.192305722833658,
        1.1216467667645214,
        1.223029721892272,
        1.19380544439439,
        0.762719589638744,
        0.7649551532152441,
        0.7338443880826353,
        0.7699295541612643,
        0.613441623360486,
        0.7695560722732506,
        0.7958253116866787,
        0.7723188477226334,
        0.6102300683121404,
        0.7001781896520956,
        0.759278810407126,
        0.5298863364576176,
        0.7434466780377397,
        0.754899633111872,
        0.7701919657157117,
        0.748116423846053,
        0.8040775158039979,
        0.6810868850607397,
    ),
    "milk_mse": (
        0.013460256459645546,
        0.005372879732943134,
        0.005701994717053252,
        0.00854175201864536,
        0.00957960971365779,
        0.011670657817874738,
        0.015926190442676746,
        0.010586535918658935,
        0.014184079510761104,
        0.014901513343401493,
        0.0076942699998289845,
        0.016336520457329595,
        0.012562753260164952,
        0.012117403160890619,
        0.01203125860464061,
        0.011709174202425366,
        0.010859802954535891,
        0.013690899748497853,
        0.011034697953367693,
        0.013079721999320826,
        0.009948654393833994,
        0.017244045293328073,
        0.011292350663700275,
        0.013625336475564244,
        0.008065798491324197,
        0.009205151258557125,
        0.009205151258557125,
        0.016476984439707323,
        0.0078006388275810405,
        0.006098675378676196,
        0.015441626645269038,
        0.01465792170896496,
        0.009024716460864897,
        0.0038707886091673034,
        0.0078006388275810405,
        0.009646159544032643,
        0.006404343451683035,
        0.010155668261310556,
        0.007209948012440939,
        0.008470292522066483,
        0.0054848651339901066,
        0.009205151258557125,
        0.009903647796887894,
    ),
}
