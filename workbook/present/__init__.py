"""What analysts and readers see: views, charts, forms, the notebook facade, the portfolio."""
